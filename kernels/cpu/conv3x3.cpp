// kernels/cpu/conv3x3.cpp — 3×3 convolution (stride 1, zero padding 0 or 1) as im2col + gemm.
//
// For one image, im2col lays the input out as a matrix col[K = c_in·9, P = h_out·w_out] whose
// row (ci, ky, kx) holds x[ci, oy+ky-pad, ox+kx-pad] for every output pixel (0 outside the
// image). Then
//   forward          y[c_out, P]   = W[c_out, K] · col + bias
//   backward input   dcol[K, P]    = Wᵀ · dy,   dx = col2im(dcol)  (adds each entry back to the
//                                                                    pixel it came from)
//   backward weight  dW[c_out, K] += dy[c_out, P] · colᵀ,  dbias = Σ dy
// all three products through gemm() (kernels/cpu/gemm.h). Images are spread over the OpenMP
// threads, each with its own col buffer (kept between calls); with a single image the loop
// runs serially and gemm() parallelises inside. The weight gradient is summed over fixed groups of images and the group
// sums are added in order, so results depend neither on timing nor on the thread count.
#include <algorithm>
#include <vector>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/gemm.h"

namespace mcseg {

namespace {

// The output columns [ox_begin, ox_end) whose source column ox+kx-pad lies inside [0, w).
struct ColRange {
    int begin, end;
};
ColRange valid_columns(const Conv3x3Shape& s, int kx) {
    int shift = kx - s.pad;
    return {std::max(0, -shift), std::min(s.w_out(), s.w - shift)};
}

void im2col(const Conv3x3Shape& s, const float* x, float* col) {
    const int ho = s.h_out(), wo = s.w_out();
    for (int ci = 0; ci < s.c_in; ++ci)
        for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) {
                float* row = col + static_cast<long>((ci * 3 + ky) * 3 + kx) * ho * wo;
                ColRange r = valid_columns(s, kx);
                for (int oy = 0; oy < ho; ++oy) {
                    float* out = row + static_cast<long>(oy) * wo;
                    int iy = oy + ky - s.pad;
                    if (iy < 0 || iy >= s.h) {
                        std::fill(out, out + wo, 0.0f);
                        continue;
                    }
                    const float* in = x + (static_cast<long>(ci) * s.h + iy) * s.w + kx - s.pad;
                    for (int ox = 0; ox < r.begin; ++ox) out[ox] = 0.0f;
                    for (int ox = r.begin; ox < r.end; ++ox) out[ox] = in[ox];
                    for (int ox = r.end; ox < wo; ++ox) out[ox] = 0.0f;
                }
            }
}

void col2im(const Conv3x3Shape& s, const float* col, float* dx) {
    const int ho = s.h_out(), wo = s.w_out();
    std::fill(dx, dx + static_cast<long>(s.c_in) * s.h * s.w, 0.0f);
    for (int ci = 0; ci < s.c_in; ++ci)
        for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) {
                const float* row = col + static_cast<long>((ci * 3 + ky) * 3 + kx) * ho * wo;
                ColRange r = valid_columns(s, kx);
                for (int oy = 0; oy < ho; ++oy) {
                    int iy = oy + ky - s.pad;
                    if (iy < 0 || iy >= s.h) continue;
                    const float* in = row + static_cast<long>(oy) * wo;
                    float* out = dx + (static_cast<long>(ci) * s.h + iy) * s.w + kx - s.pad;
                    for (int ox = r.begin; ox < r.end; ++ox) out[ox] += in[ox];
                }
            }
}

// Number of partial weight gradients (see conv3x3_backward_weight); enough to keep every
// thread of a small machine busy.
constexpr int kWeightGradGroups = 16;

long col_size(const Conv3x3Shape& s) { return static_cast<long>(s.c_in) * 9 * s.h_out() * s.w_out(); }

// The calling thread's col buffer, kept across calls (OpenMP's worker threads persist), so a
// convolution neither allocates, zero-fills nor page-faults a fresh buffer every time.
float* thread_col(const Conv3x3Shape& s) {
    thread_local std::vector<float> buffer;
    const size_t n = static_cast<size_t>(col_size(s));
    if (buffer.size() < n) buffer.resize(n);
    return buffer.data();
}

}  // namespace

void CpuBackend::conv3x3_forward(const Conv3x3Shape& s, const float* x, const float* weight,
                                 const float* bias, float* y) {
    const int K = s.c_in * 9, P = s.h_out() * s.w_out();
#pragma omp parallel if (s.n > 1)
    {
        float* col = thread_col(s);
#pragma omp for schedule(static)
        for (int i = 0; i < s.n; ++i) {
            float* yi = y + static_cast<long>(i) * s.c_out * P;
            im2col(s, x + static_cast<long>(i) * s.c_in * s.h * s.w, col);
            for (int co = 0; co < s.c_out; ++co) std::fill(yi + static_cast<long>(co) * P, yi + static_cast<long>(co + 1) * P, bias[co]);
            gemm(false, false, s.c_out, P, K, 1.0f, weight, K, col, P, 1.0f, yi, P);
        }
    }
}

void CpuBackend::conv3x3_backward_input(const Conv3x3Shape& s, const float* dy, const float* weight,
                                        float* dx) {
    const int K = s.c_in * 9, P = s.h_out() * s.w_out();
#pragma omp parallel if (s.n > 1)
    {
        float* dcol = thread_col(s);
#pragma omp for schedule(static)
        for (int i = 0; i < s.n; ++i) {
            gemm(true, false, K, P, s.c_out, 1.0f, weight, K, dy + static_cast<long>(i) * s.c_out * P, P,
                 0.0f, dcol, P);
            col2im(s, dcol, dx + static_cast<long>(i) * s.c_in * s.h * s.w);
        }
    }
}

void CpuBackend::conv3x3_backward_weight(const Conv3x3Shape& s, const float* x, const float* dy,
                                         float* dweight, float* dbias) {
    const int K = s.c_in * 9, P = s.h_out() * s.w_out();
    const long wsize = static_cast<long>(s.c_out) * K;
    // Images are cut into a fixed number of contiguous groups, each summed into its own partial
    // gradient; the partials are then added in group order. The grouping does not depend on
    // the thread count, so neither does the result.
    const int groups = std::min(s.n, kWeightGradGroups);
    std::vector<float> partial(wsize * groups);
    // gemm() tiles C in blocks that are wide along N, so the larger of c_out and K goes there:
    // for conv1 (K = 9 < c_out) each partial holds dWᵀ [K, c_out] = col · dyᵀ instead.
    const bool transposed = K < s.c_out;
#pragma omp parallel if (groups > 1)
    {
        float* col = thread_col(s);
#pragma omp for schedule(static)
        for (int g = 0; g < groups; ++g) {
            float* mine = partial.data() + wsize * g;
            const int first = static_cast<int>(static_cast<long>(s.n) * g / groups);
            const int last = static_cast<int>(static_cast<long>(s.n) * (g + 1) / groups);
            for (int i = first; i < last; ++i) {
                im2col(s, x + static_cast<long>(i) * s.c_in * s.h * s.w, col);
                const float* dyi = dy + static_cast<long>(i) * s.c_out * P;
                const float beta = i == first ? 0.0f : 1.0f;
                if (transposed)
                    gemm(false, true, K, s.c_out, P, 1.0f, col, P, dyi, P, beta, mine, s.c_out);
                else
                    gemm(false, true, s.c_out, K, P, 1.0f, dyi, P, col, P, beta, mine, K);
            }
        }
    }
    for (long j = 0; j < wsize; ++j) {
        const long at = transposed ? (j % K) * s.c_out + j / K : j;  // dweight[co, k] = partial[k, co]
        float sum = 0.0f;
        for (int g = 0; g < groups; ++g) sum += partial[wsize * g + at];
        dweight[j] = sum;
    }
#pragma omp parallel for schedule(static) if (static_cast<long>(s.n) * s.c_out * P > 32768)
    for (int co = 0; co < s.c_out; ++co) {
        double sum = 0.0;
        for (int i = 0; i < s.n; ++i) {
            const float* d = dy + (static_cast<long>(i) * s.c_out + co) * P;
            float row = 0.0f;  // one image's row in float, vectorised; rows summed in double
#pragma omp simd reduction(+ : row)
            for (int p = 0; p < P; ++p) row += d[p];
            sum += row;
        }
        dbias[co] = static_cast<float>(sum);
    }
}

}  // namespace mcseg
