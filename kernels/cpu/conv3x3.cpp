// kernels/cpu/conv3x3.cpp — 3×3 convolution (stride 1, zero padding 0 or 1) as products with
// im2col, formed or implicit.
//
// For one image, im2col lays the input out as a matrix col[K = c_in·9, P = h_out·w_out] whose
// row (ci, ky, kx) holds x[ci, oy+ky-pad, ox+kx-pad] for every output pixel (0 outside the
// image; see pad_image for how the border is handled). Then
//   forward          y[c_out, P]   = W[c_out, K] · col + bias
//   backward input   the same product for dy, the weights transposed and flipped and the
//                    padding 2 − pad (conv3x3_backward_input)
//   backward weight  dW[c_out, K] += dy[c_out, P] · colᵀ,  dbias = Σ dy
// The two convolutions never form col: they read the image in place (gemm_offset_rows,
// kernels/cpu/gemm.h), in chunks of output rows that fit the L2 cache (see implicit_conv). The
// weight gradient spreads whole images over the OpenMP threads, each with its own col buffer
// (kept between calls); it is summed over fixed groups of images and the group sums are added in
// order, so results depend neither on timing nor on the thread count.
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

// With pad > 0 an image is first copied into a zero-bordered buffer [c_in, h+2·pad, w+2·pad], so
// every (ci, ky, kx, oy) row segment of col is one branch-free run of w_out floats of a plane of
// width wp = w + 2·pad (with pad = 0 the image itself is that plane). The copy of the image is
// 1/9 of col's size; the per-pixel bounds checks it replaces cost more than the copy itself.
void pad_image(const Conv3x3Shape& s, const float* x, float* xp) {
    const int p = s.pad, hp = s.h + 2 * p, wp = s.w + 2 * p;
    for (int ci = 0; ci < s.c_in; ++ci) {
        float* plane = xp + static_cast<long>(ci) * hp * wp;
        std::fill(plane, plane + static_cast<long>(p) * wp, 0.0f);
        for (int iy = 0; iy < s.h; ++iy) {
            float* row = plane + static_cast<long>(iy + p) * wp;
            std::fill(row, row + p, 0.0f);
            std::fill(row + p + s.w, row + wp, 0.0f);
            std::copy(x + (static_cast<long>(ci) * s.h + iy) * s.w, x + (static_cast<long>(ci) * s.h + iy + 1) * s.w, row + p);
        }
        std::fill(plane + static_cast<long>(hp - p) * wp, plane + static_cast<long>(hp) * wp, 0.0f);
    }
}

// out[0..n) = in[0..n) for the short rows of im2col (n = w_out: 12 to 49): with AVX-512 one
// masked 16-float operation covers the tail, instead of the compiler's scalar epilogue, which
// for rows this short costs more than the vector part.
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

// im2col: col[K, h_out·w_out] from the (padded) planes.
void im2col(const Conv3x3Shape& s, const float* planes, float* col) {
    const int ho = s.h_out(), wo = s.w_out(), hp = s.h + 2 * s.pad, wp = s.w + 2 * s.pad;
    const long P = static_cast<long>(ho) * wo;
    for (int ci = 0; ci < s.c_in; ++ci)
        for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx) {
                float* out = col + static_cast<long>((ci * 3 + ky) * 3 + kx) * P;
                const float* in = planes + static_cast<long>(ci) * hp * wp + static_cast<long>(ky) * wp + kx;
                for (int oy = 0; oy < ho; ++oy, out += wo, in += wp) copy_row(out, in, wo);
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

// Forward, as an implicit gemm: row (ci, ky, kx) of im2col is the (padded) image plane ci
// shifted by (ky, kx), so gemm_offset_rows reads it in place through one offset per row instead
// of a copy 9× the input's size. The shift only holds if output pixels are numbered with the
// plane's row width wp = w_out + 2: the product computes a "wide" output [c_out, rows·wp] whose
// last two columns of each row straddle the plane's border and are dropped when the valid ones
// are copied into y with the bias added (and the ReLU taken when the shape asks for it).
// The work is cut into chunks of output rows whose input and wide output stay in the core's L2
// cache (kChunkFloats); an image that fits kWholeImageFloats is one chunk (a batch of patches
// has images enough for the threads). The (image, chunk) pairs are spread over the threads
// dynamically, so a single large image (the dense mode's tiles) keeps every thread busy, and a
// thread slowed by another process on its core takes fewer chunks instead of holding the others
// at the barrier. Chunks write disjoint rows of y: the result does not depend on the schedule.
constexpr long kChunkFloats = 128 * 1024, kWholeImageFloats = 256 * 1024;

// Output rows per chunk: the most whose input rows (with the 2-row halo) and wide output fit.
int forward_chunk_rows(const Conv3x3Shape& s) {
    const long wp = s.w + 2 * s.pad, ho = s.h_out();
    auto floats = [&](long rows) { return (s.c_in * (rows + 2) + s.c_out * rows) * wp; };
    if (floats(ho) <= kWholeImageFloats) return static_cast<int>(ho);
    long rows = 1;
    while (rows < ho && floats(rows + 1) <= kChunkFloats) ++rows;
    return static_cast<int>(rows);
}

// y = conv(x, weight) + bias, for any padding: 0 and 1 (the forward pass) or 2 (the input
// gradient's "full" convolution, see conv3x3_backward_input).
void implicit_conv(const Conv3x3Shape& s, const float* x, const float* weight, const float* bias, float* y) {
    const int K = s.c_in * 9, ho = s.h_out(), wo = s.w_out(), P = ho * wo;
    const int hp = s.h + 2 * s.pad, wp = s.w + 2 * s.pad;
    const int rows = forward_chunk_rows(s), chunks = (ho + rows - 1) / rows;
    std::vector<long> offset(K);  // row (ci, ky, kx) of the implicit im2col, from output row 0
    for (int k = 0; k < K; ++k) offset[k] = static_cast<long>(k / 9) * hp * wp + (k % 9 / 3) * wp + k % 3;
    static std::atomic<long> calls{0};
    const long call = ++calls;  // tells a thread's padded image of this call from an older one
#pragma omp parallel if (static_cast<long>(s.n) * chunks > 1)
    {
        // Per thread: the wide output of a chunk and, for pad > 0, the padded planes of the image
        // it works on (padded once per image it takes chunks of).
        thread_local std::vector<float> wide, planes;
        thread_local long padded_call = 0;
        thread_local int padded_image = -1;
        if (wide.size() < static_cast<size_t>(s.c_out) * rows * wp) wide.resize(static_cast<size_t>(s.c_out) * rows * wp);
        if (s.pad && planes.size() < static_cast<size_t>(s.c_in) * hp * wp) planes.resize(static_cast<size_t>(s.c_in) * hp * wp);
#pragma omp for schedule(dynamic, 1)
        for (long item = 0; item < static_cast<long>(s.n) * chunks; ++item) {
            const int i = static_cast<int>(item / chunks), oy0 = static_cast<int>(item % chunks) * rows;
            const int oy1 = std::min(ho, oy0 + rows), n = (oy1 - oy0 - 1) * wp + wo;
            const float* xi = x + static_cast<long>(i) * s.c_in * s.h * s.w;
            if (s.pad && (padded_call != call || padded_image != i)) {
                pad_image(s, xi, planes.data());
                padded_call = call, padded_image = i;
            }
            const float* first_row = (s.pad ? planes.data() : xi) + static_cast<long>(oy0) * wp;
            gemm_offset_rows(s.c_out, n, K, weight, K, first_row, offset.data(), wide.data(), n);
            for (int co = 0; co < s.c_out; ++co)
                for (int oy = oy0; oy < oy1; ++oy) {
                    const float* in = wide.data() + static_cast<long>(co) * n + static_cast<long>(oy - oy0) * wp;
                    float* out = y + (static_cast<long>(i) * s.c_out + co) * P + static_cast<long>(oy) * wo;
                    if (s.relu)
                        for (int ox = 0; ox < wo; ++ox) out[ox] = std::max(in[ox] + bias[co], 0.0f);
                    else
                        for (int ox = 0; ox < wo; ++ox) out[ox] = in[ox] + bias[co];
                }
        }
    }
}

}  // namespace

void CpuBackend::conv3x3_forward(const Conv3x3Shape& s, const float* x, const float* weight,
                                 const float* bias, float* y) {
    implicit_conv(s, x, weight, bias, y);
}

// dx[ci, y, x] = Σ_co Σ_ky,kx W[co, ci, ky, kx] · dy[co, y + pad − ky, x + pad − kx]: the
// convolution of dy with the weights transposed (c_out ↔ c_in) and flipped in both axes, with
// padding 2 − pad (same: again a same convolution; valid: the "full" one, which grows the map
// back by 2). So the input gradient runs through the forward's implicit gemm too, with no col
// buffer and no col2im.
void CpuBackend::conv3x3_backward_input(const Conv3x3Shape& s, const float* dy, const float* weight,
                                        float* dx) {
    std::vector<float> flipped(static_cast<size_t>(s.c_out) * s.c_in * 9), zero(s.c_in, 0.0f);
    for (int co = 0; co < s.c_out; ++co)
        for (int ci = 0; ci < s.c_in; ++ci)
            for (int t = 0; t < 9; ++t)
                flipped[(static_cast<size_t>(ci) * s.c_out + co) * 9 + 8 - t] = weight[(static_cast<size_t>(co) * s.c_in + ci) * 9 + t];
    implicit_conv({s.n, s.c_out, s.h_out(), s.w_out(), s.c_in, 2 - s.pad}, dy, flipped.data(), zero.data(), dx);
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
