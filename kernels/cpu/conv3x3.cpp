// kernels/cpu/conv3x3.cpp — 3×3 convolution (stride 1, zero padding 0 or 1) as im2col + gemm.
//
// For one image, im2col lays the input out as a matrix col[K = c_in·9, P = h_out·w_out] whose
// row (ci, ky, kx) holds x[ci, oy+ky-pad, ox+kx-pad] for every output pixel (0 outside the
// image; see pad_image for how the border is handled). Then
//   forward          y[c_out, P]   = W[c_out, K] · col + bias
//   backward input   dcol[K, P]    = Wᵀ · dy,   dx = col2im(dcol)  (adds each entry back to the
//                                                                    pixel it came from)
//   backward weight  dW[c_out, K] += dy[c_out, P] · colᵀ,  dbias = Σ dy
// all three products through gemm() (kernels/cpu/gemm.h). The forward pass works in chunks of
// output rows whose col fits the L2 cache (see conv3x3_forward); the backward passes spread
// whole images over the OpenMP threads, each with its own col buffer (kept between calls). The
// weight gradient is summed over fixed groups of images and the group sums are added in order,
// so results depend neither on timing nor on the thread count.
#include <algorithm>
#include <atomic>
#include <vector>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/gemm.h"

namespace mcseg {

namespace {

// With pad = 1 an image is first copied into a zero-bordered buffer [c_in, h+2, w+2], so every
// (ci, ky, kx, oy) row segment of col is one branch-free copy of w_out floats from a plane of
// width wp = w + 2·pad (with pad = 0 the image itself is that plane). The copy of the image is
// 1/9 of col's size; the per-pixel bounds checks it replaces cost more than the copy itself.
void pad_image(const Conv3x3Shape& s, const float* x, float* xp) {
    const int hp = s.h + 2, wp = s.w + 2;
    for (int ci = 0; ci < s.c_in; ++ci) {
        float* plane = xp + static_cast<long>(ci) * hp * wp;
        std::fill(plane, plane + wp, 0.0f);
        for (int iy = 0; iy < s.h; ++iy) {
            float* row = plane + static_cast<long>(iy + 1) * wp;
            row[0] = row[wp - 1] = 0.0f;
            std::copy(x + (static_cast<long>(ci) * s.h + iy) * s.w, x + (static_cast<long>(ci) * s.h + iy + 1) * s.w, row + 1);
        }
        std::fill(plane + static_cast<long>(hp - 1) * wp, plane + static_cast<long>(hp) * wp, 0.0f);
    }
}

// out[0..n) = in[0..n) for the short rows of im2col (n = w_out: 12 to 49): with AVX-512 one
// masked 16-float operation covers the tail, instead of the compiler's scalar epilogue, which
// for rows this short costs more than the vector part. (col2im keeps a plain loop: its rows
// overlap the previous kx's, and masked read-modify-writes of just-stored data stall.)
inline void copy_row(float* out, const float* in, int n) {
    int i = 0;
#if defined(__AVX512F__)
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(out + i, _mm512_loadu_ps(in + i));
    if (i < n) {
        const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(out + i, m, _mm512_maskz_loadu_ps(m, in + i));
        return;
    }
#endif
    for (; i < n; ++i) out[i] = in[i];
}

// Rows [oy0, oy1) of im2col: col[K, (oy1 − oy0)·w_out], from the (padded) planes.
void im2col_rows(const Conv3x3Shape& s, const float* planes, int oy0, int oy1, float* col) {
    const int wo = s.w_out(), hp = s.h + 2 * s.pad, wp = s.w + 2 * s.pad;
    const long chunk = static_cast<long>(oy1 - oy0) * wo;
    for (int ci = 0; ci < s.c_in; ++ci)
        for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) {
                float* out = col + static_cast<long>((ci * 3 + ky) * 3 + kx) * chunk;
                const float* in = planes + static_cast<long>(ci) * hp * wp + static_cast<long>(oy0 + ky) * wp + kx;
                for (int oy = oy0; oy < oy1; ++oy, out += wo, in += wp) copy_row(out, in, wo);
            }
}

void im2col(const Conv3x3Shape& s, const float* planes, float* col) { im2col_rows(s, planes, 0, s.h_out(), col); }

// The adjoint of im2col: adds every col entry back onto the (padded) plane pixel it came from.
// The three kx rows of one (ci, ky, oy) land on the same plane row shifted by 0, 1 and 2
// (a plane row is wp = w_out + 2 wide for either padding), so they are summed in one pass over
// that row instead of three overlapping read-modify-write passes.
void col2im(const Conv3x3Shape& s, const float* col, float* planes) {
    const int ho = s.h_out(), wo = s.w_out(), hp = s.h + 2 * s.pad, wp = s.w + 2 * s.pad;
    const long P = static_cast<long>(ho) * wo;
    std::fill(planes, planes + static_cast<long>(s.c_in) * hp * wp, 0.0f);
    for (int ci = 0; ci < s.c_in; ++ci)
        for (int ky = 0; ky < 3; ++ky)
            for (int oy = 0; oy < ho; ++oy) {
                const float* r0 = col + ((ci * 3 + ky) * 3) * P + static_cast<long>(oy) * wo;  // kx = 0
                const float* r1 = r0 + P;                                                   // kx = 1
                const float* r2 = r1 + P;                                                   // kx = 2
                float* out = planes + (static_cast<long>(ci) * hp + oy + ky) * wp;
                if (wo < 2) {  // a single output column: the three shifted rows do not overlap
                    out[0] += r0[0], out[1] += r1[0], out[2] += r2[0];
                    continue;
                }
                out[0] += r0[0];
                out[1] += r0[1] + r1[0];
                for (int x = 2; x < wo; ++x) out[x] += r0[x] + r1[x - 1] + r2[x - 2];
                out[wo] += r1[wo - 1] + r2[wo - 2];
                out[wo + 1] += r2[wo - 1];
            }
}

// dx = the interior of the padded planes.
void unpad_image(const Conv3x3Shape& s, const float* xp, float* dx) {
    const int hp = s.h + 2, wp = s.w + 2;
    for (int ci = 0; ci < s.c_in; ++ci)
        for (int iy = 0; iy < s.h; ++iy) {
            const float* row = xp + (static_cast<long>(ci) * hp + iy + 1) * wp + 1;
            std::copy(row, row + s.w, dx + (static_cast<long>(ci) * s.h + iy) * s.w);
        }
}

// Number of partial weight gradients (see conv3x3_backward_weight); enough to keep every
// thread of a small machine busy.
constexpr int kWeightGradGroups = 16;

long col_size(const Conv3x3Shape& s) { return static_cast<long>(s.c_in) * 9 * s.h_out() * s.w_out(); }

// The calling thread's scratch buffers, kept across calls (OpenMP's worker threads persist), so
// a convolution neither allocates, zero-fills nor page-faults fresh buffers every time:
// col [K, P] and, for pad = 1, the padded image planes [c_in, h+2, w+2].
struct Scratch {
    float* col;
    float* planes;  // nullptr when pad == 0
};
Scratch thread_scratch(const Conv3x3Shape& s) {
    thread_local std::vector<float> col, planes;
    if (col.size() < static_cast<size_t>(col_size(s))) col.resize(col_size(s));
    const size_t np = s.pad ? static_cast<size_t>(s.c_in) * (s.h + 2) * (s.w + 2) : 0;
    if (planes.size() < np) planes.resize(np);
    return {col.data(), s.pad ? planes.data() : nullptr};
}

// im2col of image x through the scratch buffers.
void image_to_col(const Conv3x3Shape& s, const float* x, const Scratch& b) {
    if (s.pad) pad_image(s, x, b.planes);
    im2col(s, s.pad ? b.planes : x, b.col);
}

}  // namespace

// Forward, in chunks of output rows: the im2col of a chunk is at most kChunkFloats (its K·rows·
// w_out floats stay in the core's L2 cache while the gemm reads them, instead of a whole image's
// col — 25 MB for a 150² map of 32 channels — streaming from memory through 288 strided rows).
// An image whose col is at most kWholeImageFloats is one chunk: a batch of patches (training,
// inference) has images enough for the threads, and longer gemm rows waste less on ragged tiles.
// The (image, chunk) pairs are spread over the threads dynamically, so a single large image (the
// dense mode's tiles) keeps every thread busy, and a thread slowed by another process on its core
// takes fewer chunks instead of holding the others at the barrier. Chunks write disjoint rows of
// y: the result does not depend on the schedule.
constexpr long kChunkFloats = 96 * 1024, kWholeImageFloats = 1024 * 1024;

void CpuBackend::conv3x3_forward(const Conv3x3Shape& s, const float* x, const float* weight,
                                 const float* bias, float* y) {
    const int K = s.c_in * 9, ho = s.h_out(), wo = s.w_out(), P = ho * wo;
    const int rows = static_cast<long>(K) * P <= kWholeImageFloats
                         ? ho
                         : static_cast<int>(std::clamp<long>(kChunkFloats / (static_cast<long>(K) * wo), 1, ho));
    const int chunks = (ho + rows - 1) / rows;
    const long plane_floats = static_cast<long>(s.c_in) * (s.h + 2) * (s.w + 2);
    static std::atomic<long> calls{0};
    const long call = ++calls;  // tells a thread's padded image of this call from an older one
#pragma omp parallel if (static_cast<long>(s.n) * chunks > 1)
    {
        // Per thread: the col of a chunk and, for pad = 1, the padded planes of the image it
        // works on (padded once per image it takes chunks of).
        thread_local std::vector<float> col, planes;
        thread_local long padded_call = 0;
        thread_local int padded_image = -1;
        if (col.size() < static_cast<size_t>(K) * rows * wo) col.resize(static_cast<size_t>(K) * rows * wo);
        if (s.pad && planes.size() < static_cast<size_t>(plane_floats)) planes.resize(plane_floats);
#pragma omp for schedule(dynamic, 1)
        for (long item = 0; item < static_cast<long>(s.n) * chunks; ++item) {
            const int i = static_cast<int>(item / chunks), oy0 = static_cast<int>(item % chunks) * rows;
            const int oy1 = std::min(ho, oy0 + rows), n = (oy1 - oy0) * wo;
            const float* xi = x + static_cast<long>(i) * s.c_in * s.h * s.w;
            if (s.pad && (padded_call != call || padded_image != i)) {
                pad_image(s, xi, planes.data());
                padded_call = call, padded_image = i;
            }
            float* yi = y + static_cast<long>(i) * s.c_out * P + static_cast<long>(oy0) * wo;
            im2col_rows(s, s.pad ? planes.data() : xi, oy0, oy1, col.data());
            for (int co = 0; co < s.c_out; ++co) std::fill(yi + static_cast<long>(co) * P, yi + static_cast<long>(co) * P + n, bias[co]);
            gemm(false, false, s.c_out, n, K, 1.0f, weight, K, col.data(), n, 1.0f, yi, P);
        }
    }
}

void CpuBackend::conv3x3_backward_input(const Conv3x3Shape& s, const float* dy, const float* weight,
                                        float* dx) {
    const int K = s.c_in * 9, P = s.h_out() * s.w_out();
#pragma omp parallel if (s.n > 1)
    {
        const Scratch b = thread_scratch(s);
#pragma omp for schedule(static)
        for (int i = 0; i < s.n; ++i) {
            float* dxi = dx + static_cast<long>(i) * s.c_in * s.h * s.w;
            gemm(true, false, K, P, s.c_out, 1.0f, weight, K, dy + static_cast<long>(i) * s.c_out * P, P,
                 0.0f, b.col, P);
            col2im(s, b.col, s.pad ? b.planes : dxi);
            if (s.pad) unpad_image(s, b.planes, dxi);
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
        const Scratch b = thread_scratch(s);
        const float* col = b.col;
#pragma omp for schedule(static)
        for (int g = 0; g < groups; ++g) {
            float* mine = partial.data() + wsize * g;
            const int first = static_cast<int>(static_cast<long>(s.n) * g / groups);
            const int last = static_cast<int>(static_cast<long>(s.n) * (g + 1) / groups);
            for (int i = first; i < last; ++i) {
                image_to_col(s, x + static_cast<long>(i) * s.c_in * s.h * s.w, b);
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
