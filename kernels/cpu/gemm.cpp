// kernels/cpu/gemm.cpp — the CPU single-precision matrix multiply gemm() (see gemm.h).
//
// Shaped like BLIS / GotoBLAS, the layout that lets one core run near its FMA peak:
//   * C is cut into blocks; each OpenMP thread owns whole blocks (split along N when C has more
//     column tiles than row tiles, else along M), so no two threads ever write the same element.
//   * Per thread: loop over NC-wide column blocks of op(B) and KC-deep slices of K; pack the
//     KC×NC slice of op(B) into NR-wide "micro-panels" (k-major, NR contiguous floats), then for
//     each MC-tall row block pack op(A) into MR-tall micro-panels (k-major, MR contiguous).
//     Packing absorbs the transposes and the leading dimensions, zero-pads ragged edges, and
//     makes the micro-kernel read memory strictly sequentially.
//   * The micro-kernel keeps an MR×NR tile of C in registers (MR·NR/W vector accumulators for
//     vector width W) and, per k, does MR broadcasts of A times NR/W vector loads of B as MR·NR/W
//     fused multiply-adds. It is written with GCC vector extensions, so the same source compiles
//     to AVX-512 (W=16, 8×48 tile: 24 of 32 zmm registers), AVX2 (W=8, 6×16) or SSE2 (W=4, 6×8),
//     whatever the build's -march allows (MCSEG_NATIVE=OFF gives a portable build).
//   * alpha and beta are applied when the tile is written back: the first K slice writes
//     alpha·AB + beta·C (never reading C when beta == 0, so NaNs in an uninitialised C vanish
//     as BLAS promises), later slices accumulate alpha·AB.
// Block sizes: a KC×NR micro-panel of B (≈ 24–48 KiB) stays in L1 while MC/MR micro-panels of A
// stream from an MC×KC block (≈ 200 KiB) in L2; the KC×NC slice of B (≈ 4 MiB) sits in L3.
#include "kernels/cpu/gemm.h"

#include <omp.h>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

namespace mcseg {
namespace {

#if defined(__AVX512F__)
constexpr int W = 16, MR = 8, NV = 3;
#elif defined(__AVX__)
constexpr int W = 8, MR = 6, NV = 2;
#else
constexpr int W = 4, MR = 6, NV = 2;
#endif
constexpr int NR = W * NV;
constexpr int KC = 256, MC = 8 * 24, NC = NR * 80;

typedef float vec __attribute__((vector_size(W * sizeof(float))));
// The same vector type with 4-byte alignment, for loads and stores to rows of C.
typedef float vec_u __attribute__((vector_size(W * sizeof(float)), aligned(4)));

// Packing buffers, one pair per thread, reused across calls (grown on demand, 64-byte aligned).
struct PackBuffers {
    std::vector<vec> a, b;
    float* get(std::vector<vec>& v, size_t floats) {
        size_t n = (floats + W - 1) / W;
        if (v.size() < n) v.resize(n);
        return reinterpret_cast<float*>(v.data());
    }
};
thread_local PackBuffers tl_pack;

// op(A)[i0 + i][k0 + k] for i < mc, k < kc into MR-row micro-panels: panel p holds rows
// p·MR..p·MR+MR-1, stored as ap[p·MR·kc + k·MR + r]; rows past mc are zero.
void pack_a(bool trans, const float* A, long lda, int i0, int k0, int mc, int kc, float* ap) {
    for (int p = 0; p < mc; p += MR) {
        int rows = std::min(MR, mc - p);
        float* dst = ap + static_cast<long>(p) * kc;
        if (trans) {  // element (i, k) at A[k·lda + i]: each k gives MR contiguous floats
            for (int k = 0; k < kc; ++k) {
                const float* src = A + static_cast<long>(k0 + k) * lda + i0 + p;
                for (int r = 0; r < rows; ++r) dst[k * MR + r] = src[r];
                for (int r = rows; r < MR; ++r) dst[k * MR + r] = 0.0f;
            }
        } else {  // element (i, k) at A[i·lda + k]: read each row contiguously
            for (int r = 0; r < rows; ++r) {
                const float* src = A + static_cast<long>(i0 + p + r) * lda + k0;
                for (int k = 0; k < kc; ++k) dst[k * MR + r] = src[k];
            }
            for (int r = rows; r < MR; ++r)
                for (int k = 0; k < kc; ++k) dst[k * MR + r] = 0.0f;
        }
    }
}

#if defined(__AVX512F__)
// dst[i·ldd + j] = src[j·lds + i] for a 16×16 block, in registers: pairs of rows are
// interleaved at 1, 2, 4 and 8-float granularity (unpack, shuffle, two 128-bit lane shuffles).
// Packing a transposed B this way costs ~1/4 of an element-by-element copy; for the M = 32
// products of the convolutions that copy otherwise costs as much as the multiply itself.
// (GCC 12's own intrinsics trip its -Wuninitialized, bug 105593; the warning is silenced here.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
inline void transpose16x16(const float* src, long lds, float* dst, long ldd) {
    __m512 r[16], t[16];
    for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * lds);
    for (int i = 0; i < 8; ++i) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; ++i) {
        r[4 * i + 0] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 4; ++j) {
            t[8 * i + j] = _mm512_shuffle_f32x4(r[8 * i + j], r[8 * i + 4 + j], 0x88);
            t[8 * i + 4 + j] = _mm512_shuffle_f32x4(r[8 * i + j], r[8 * i + 4 + j], 0xdd);
        }
    for (int j = 0; j < 8; ++j) {
        _mm512_storeu_ps(dst + j * ldd, _mm512_shuffle_f32x4(t[j], t[8 + j], 0x88));
        _mm512_storeu_ps(dst + (8 + j) * ldd, _mm512_shuffle_f32x4(t[j], t[8 + j], 0xdd));
    }
}
#pragma GCC diagnostic pop
#endif

// op(B)[k0 + k][j0 + j] for k < kc, j < nc into NR-column micro-panels: panel q holds columns
// q·NR..q·NR+NR-1, stored as bp[q·NR·kc + k·NR + c]; columns past nc are zero.
void pack_b(bool trans, const float* B, long ldb, int k0, int j0, int kc, int nc, float* bp) {
    for (int q = 0; q < nc; q += NR) {
        int cols = std::min(NR, nc - q);
        float* dst = bp + static_cast<long>(q) * kc;
        if (trans) {  // element (k, j) at B[j·ldb + k]: a transpose
            const float* src = B + static_cast<long>(j0 + q) * ldb + k0;
            int c0 = 0;  // columns below c0 are done
#if defined(__AVX512F__)
            for (; c0 + 16 <= cols; c0 += 16)
                for (int k = 0; k + 16 <= kc; k += 16)
                    transpose16x16(src + static_cast<long>(c0) * ldb + k, ldb, dst + k * NR + c0, NR);
            for (int k = kc / 16 * 16; k < kc; ++k)  // the last kc % 16 rows of those columns
                for (int c = 0; c < c0; ++c) dst[k * NR + c] = src[c * ldb + k];
#endif
            for (int c = c0; c < cols; ++c)
                for (int k = 0; k < kc; ++k) dst[k * NR + c] = src[c * ldb + k];
            for (int c = cols; c < NR; ++c)
                for (int k = 0; k < kc; ++k) dst[k * NR + c] = 0.0f;
        } else {  // element (k, j) at B[k·ldb + j]: NR contiguous floats per k
            for (int k = 0; k < kc; ++k) {
                const float* src = B + static_cast<long>(k0 + k) * ldb + j0 + q;
                if (cols == NR) {
                    std::memcpy(dst + k * NR, src, NR * sizeof(float));
                } else {
                    for (int c = 0; c < cols; ++c) dst[k * NR + c] = src[c];
                    for (int c = cols; c < NR; ++c) dst[k * NR + c] = 0.0f;
                }
            }
        }
    }
}

// Rows of a B micro-panel: row k at b + k·stride (packed: stride NR; in place: ldb) ...
struct StridedRows {
    const float* b;
    long stride;
    const float* operator()(int k) const { return b + k * stride; }
};

// ... or at b + offset[k] (gemm_offset_rows).
struct OffsetRows {
    const float* b;
    const long* offset;
    const float* operator()(int k) const { return b + offset[k]; }
};

// C tile (mr × nr valid of MR × NR) = alpha · ap·bp + beta · C, over kc steps. b_row(k) gives
// where row k of the B micro-panel starts (NR floats): bp + k·NR for a packed panel, B + k·ldb
// for B read in place, B + offset[k] for gemm_offset_rows.
template <class BRow>
void micro_kernel(int kc, const float* ap, BRow b_row, float alpha, float beta, float* C, long ldc, int mr, int nr) {
    vec acc[MR][NV] = {};
    for (int k = 0; k < kc; ++k) {
        const vec_u* b = reinterpret_cast<const vec_u*>(b_row(k));
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[r][v] += ap[r] * b[v];
        }
        ap += MR;
    }
    if (mr == MR && nr == NR) {
        for (int r = 0; r < MR; ++r) {
            vec_u* c = reinterpret_cast<vec_u*>(C + r * ldc);
            for (int v = 0; v < NV; ++v) c[v] = beta == 0.0f ? alpha * acc[r][v] : alpha * acc[r][v] + beta * c[v];
        }
        return;
    }
    float tile[MR][NR];
    std::memcpy(tile, acc, sizeof tile);
    for (int r = 0; r < mr; ++r) {
        float* c = C + r * ldc;
        for (int j = 0; j < nr; ++j) c[j] = beta == 0.0f ? alpha * tile[r][j] : alpha * tile[r][j] + beta * c[j];
    }
}

// One thread's share: rows [i_begin, i_end) × columns [j_begin, j_end) of C.
void gemm_block(bool ta, bool tb, int i_begin, int i_end, int j_begin, int j_end, int K, float alpha,
                const float* A, long lda, const float* B, long ldb, float beta, float* C, long ldc) {
    const int m = i_end - i_begin;
    float* ap = tl_pack.get(tl_pack.a, static_cast<size_t>(std::min(MC, (m + MR - 1) / MR * MR)) * KC);
    float* bp = tl_pack.get(tl_pack.b, static_cast<size_t>(NC) * KC);
    // When C has few rows (the convolutions: M = c_out = 32) each B panel is used by only
    // m/MR micro-kernel calls, so copying it into packed form costs about as much as the
    // multiply. A non-transposed B already holds NR contiguous floats per k, so its full panels
    // are then read where they lie; only a ragged last panel is packed (zero-padded).
    const bool b_in_place = !tb && m <= MC;
    for (int j0 = j_begin; j0 < j_end; j0 += NC) {
        int nc = std::min(NC, j_end - j0);
        const int full = b_in_place ? nc / NR * NR : 0;  // columns read in place
        for (int k0 = 0; k0 < K; k0 += KC) {
            int kc = std::min(KC, K - k0);
            float beta_k = k0 == 0 ? beta : 1.0f;
            if (full < nc) pack_b(tb, B, ldb, k0, j0 + full, kc, nc - full, bp);
            for (int i0 = i_begin; i0 < i_end; i0 += MC) {
                int mc = std::min(MC, i_end - i0);
                pack_a(ta, A, lda, i0, k0, mc, kc, ap);
                for (int q = 0; q < nc; q += NR) {
                    const bool in_place = q < full;
                    const float* bq = in_place ? B + static_cast<long>(k0) * ldb + j0 + q : bp + static_cast<long>(q - full) * kc;
                    const StridedRows rows{bq, in_place ? ldb : NR};
                    for (int p = 0; p < mc; p += MR)
                        micro_kernel(kc, ap + static_cast<long>(p) * kc, rows, alpha, beta_k,
                                     C + static_cast<long>(i0 + p) * ldc + j0 + q, ldc, std::min(MR, mc - p),
                                     std::min(NR, nc - q));
                }
            }
        }
    }
}

}  // namespace

void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0 || alpha == 0.0f) {  // C = beta·C (BLAS: C is not read when beta == 0)
        for (int i = 0; i < M; ++i)
            for (int j = 0; j < N; ++j) {
                float& c = C[static_cast<long>(i) * ldc + j];
                c = beta == 0.0f ? 0.0f : beta * c;
            }
        return;
    }
    // Split C between threads along the dimension with more micro-tiles; small products stay
    // on one thread (or on the caller's thread inside an enclosing parallel region).
    const int tiles_m = (M + MR - 1) / MR, tiles_n = (N + NR - 1) / NR;
    const bool split_n = tiles_n >= tiles_m;
    const double flops = 2.0 * M * N * K;
    int threads = omp_in_parallel() || flops < 2e6 ? 1 : omp_get_max_threads();
    threads = std::min(threads, split_n ? tiles_n : tiles_m);
#pragma omp parallel num_threads(threads)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        int tiles = split_n ? tiles_n : tiles_m, tile = split_n ? NR : MR, extent = split_n ? N : M;
        int begin = std::min(extent, static_cast<int>(static_cast<long>(tiles) * t / nt) * tile);
        int end = std::min(extent, static_cast<int>(static_cast<long>(tiles) * (t + 1) / nt) * tile);
        if (begin < end) {
            if (split_n)
                gemm_block(trans_a, trans_b, 0, M, begin, end, K, alpha, A, lda, B, ldb, beta, C, ldc);
            else
                gemm_block(trans_a, trans_b, begin, end, 0, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        }
    }
}

// Single-threaded: the caller (the convolution) already runs one product per thread. Full
// NR-wide column panels are read where they lie; a ragged last panel is packed zero-padded, so
// no row is read past its N floats.
void gemm_offset_rows(int M, int N, int K, const float* A, int lda, const float* B, const long* row_offset,
                      float* C, int ldc) {
    float* ap = tl_pack.get(tl_pack.a, static_cast<size_t>(std::min(MC, (M + MR - 1) / MR * MR)) * KC);
    float* bp = tl_pack.get(tl_pack.b, static_cast<size_t>(NR) * KC);
    const int full = N / NR * NR;
    for (int k0 = 0; k0 < K; k0 += KC) {
        const int kc = std::min(KC, K - k0);
        const float beta = k0 == 0 ? 0.0f : 1.0f;
        for (int k = 0; full < N && k < kc; ++k) {  // the ragged last panel
            const float* src = B + row_offset[k0 + k] + full;
            for (int c = 0; c < NR; ++c) bp[k * NR + c] = c < N - full ? src[c] : 0.0f;
        }
        for (int i0 = 0; i0 < M; i0 += MC) {
            const int mc = std::min(MC, M - i0);
            pack_a(false, A, lda, i0, k0, mc, kc, ap);
            for (int q = 0; q < N; q += NR)
                for (int p = 0; p < mc; p += MR) {
                    float* c = C + static_cast<long>(i0 + p) * ldc + q;
                    const int mr = std::min(MR, mc - p), nr = std::min(NR, N - q);
                    if (q < full)
                        micro_kernel(kc, ap + static_cast<long>(p) * kc, OffsetRows{B + q, row_offset + k0}, 1.0f, beta,
                                     c, ldc, mr, nr);
                    else
                        micro_kernel(kc, ap + static_cast<long>(p) * kc, StridedRows{bp, NR}, 1.0f, beta, c, ldc, mr, nr);
                }
        }
    }
}

}  // namespace mcseg
