// kernels/cuda/conv3x3.cu — 3×3 convolution, stride 1, zero padding 0 or 1: forward,
// backward-input and backward-weight+bias.
//
// Forward and backward-input share one tiled kernel. Backward-input is itself a 3×3
// correlation: dx[i] = Σ_k dy[i + pad - 2 + k] · w[2 - k] with the weight's channel axes
// swapped, so the kernel is parameterised by the input/output geometry, the coordinate offset
// (-pad forward, pad-2 backward) and whether to read the weight flipped and transposed.
// A 16×8-thread block computes a 16×16 output tile for 8 output channels: each thread owns two
// vertically adjacent pixels × 8 channels (16 accumulators), so every weight read from shared
// memory feeds two FMAs and neighbouring patch reads are shared by both pixels. It stages 4
// input channels at a time (1 for single-channel inputs) in shared memory — the 18×18 input
// patch with its halo, zero outside the image, and the 8×4×9 weights — so each input value
// loaded from global memory is reused 9·8 times.
//
// Backward-weight reduces over n·h_out·w_out for each (c_out, c_in, 3×3) weight: a block owns one
// input channel, 8 output channels and one of S chunks of the pixels; each thread accumulates
// 8×9 weight and 8 bias partials over its pixels, the block adds the 128 threads' partials
// through shared memory in a fixed order, and a second kernel adds the S chunk partials in a
// fixed order. Deterministic (no atomics), and S scales the grid with the batch size.
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/kernels.h"
#include "kernels/cuda/launch.h"

namespace mcseg::cuda {

namespace {

constexpr int kTile = 16;            // output tile side
constexpr int kHalo = kTile + 2;     // input patch side
constexpr int kRowsPerThread = 2;    // output rows per thread (they share patch loads)
constexpr int kThreadsY = kTile / kRowsPerThread;
constexpr int kTileThreads = kTile * kThreadsY;  // 16 × 8 = 128 per block
// Patch rows are 24 floats apart: the two half-warps read rows two apart, i.e. 48 words, which
// puts them on disjoint halves of the 32 banks (no conflicts).
constexpr int kPatchStride = 24;
constexpr int kOutPerBlock = 8;      // output channels per block

struct ConvGeometry {
    int in_c, in_h, in_w, out_c, out_h, out_w;
    int offset;         // input coordinate = output coordinate + offset + kernel tap
    bool relu = false;  // write max(0, ·)
};

// kInPerStage input channels are staged per barrier pair: 4, or 1 for inputs with fewer
// channels (conv1 has one: staging 4 would multiply zeros three times out of four).
template <bool kTransposedWeight, int kInPerStage>
__global__ void __launch_bounds__(kTileThreads) conv3x3_tiled_kernel(ConvGeometry g, const float* in,
                                                                 const float* weight,
                                                                 const float* bias, float* out) {
    __shared__ float patch[kInPerStage][kHalo][kPatchStride];
    // [channel][tap][output]: a thread's 8 weights of one tap are contiguous and 16-byte
    // aligned, so they load as two 128-bit shared-memory reads (the same for every thread).
    alignas(16) __shared__ float wtile[kInPerStage][9][kOutPerBlock];
    const int tiles_x = (g.out_w + kTile - 1) / kTile;
    const int tx0 = int(blockIdx.x) % tiles_x * kTile, ty0 = int(blockIdx.x) / tiles_x * kTile;
    const int o0 = int(blockIdx.y) * kOutPerBlock;
    const size_t image = blockIdx.z;
    const int lx = threadIdx.x, ly = threadIdx.y, tid = ly * kTile + lx;
    float acc[kRowsPerThread][kOutPerBlock] = {};
    for (int i0 = 0; i0 < g.in_c; i0 += kInPerStage) {
        for (int e = tid; e < kInPerStage * kHalo * kHalo; e += kTileThreads) {
            int q = e / (kHalo * kHalo), r = e / kHalo % kHalo, col = e % kHalo;
            int ci = i0 + q, iy = ty0 + r + g.offset, ix = tx0 + col + g.offset;
            float v = 0.0f;
            if (ci < g.in_c && iy >= 0 && iy < g.in_h && ix >= 0 && ix < g.in_w)
                v = in[((image * g.in_c + ci) * g.in_h + iy) * g.in_w + ix];
            patch[q][r][col] = v;
        }
        for (int e = tid; e < kOutPerBlock * kInPerStage * 9; e += kTileThreads) {
            int j = e / (kInPerStage * 9), q = e / 9 % kInPerStage, k = e % 9;
            int o = o0 + j, ci = i0 + q;
            float v = 0.0f;
            if (o < g.out_c && ci < g.in_c)
                v = kTransposedWeight ? weight[(size_t(ci) * g.out_c + o) * 9 + (8 - k)]
                                      : weight[(size_t(o) * g.in_c + ci) * 9 + k];
            wtile[q][k][j] = v;
        }
        __syncthreads();
        for (int q = 0; q < kInPerStage; ++q)
            for (int ky = 0; ky < 3; ++ky)
                for (int kx = 0; kx < 3; ++kx) {
                    const float* w = wtile[q][ky * 3 + kx];
                    for (int p = 0; p < kRowsPerThread; ++p) {
                        float v = patch[q][kRowsPerThread * ly + p + ky][lx + kx];
                        for (int j = 0; j < kOutPerBlock; ++j) acc[p][j] += v * w[j];
                    }
                }
        __syncthreads();
    }
    const int ox = tx0 + lx;
    if (ox >= g.out_w) return;
    for (int p = 0; p < kRowsPerThread; ++p) {
        const int oy = ty0 + kRowsPerThread * ly + p;
        if (oy >= g.out_h) break;
        for (int j = 0; j < kOutPerBlock; ++j) {
            int o = o0 + j;
            if (o < g.out_c) {
                const float v = acc[p][j] + (bias ? bias[o] : 0.0f);
                out[((image * g.out_c + o) * g.out_h + oy) * g.out_w + ox] = g.relu ? fmaxf(v, 0.0f) : v;
            }
        }
    }
}

void launch_tiled(cudaStream_t st, int n, const ConvGeometry& g, bool transposed, const float* in,
                  const float* weight, const float* bias, float* out) {
    if (n == 0 || g.out_h <= 0 || g.out_w <= 0) return;
    unsigned tiles = unsigned((g.out_w + kTile - 1) / kTile * ((g.out_h + kTile - 1) / kTile));
    const LaunchConfig cfg(dim3(tiles, unsigned((g.out_c + kOutPerBlock - 1) / kOutPerBlock), unsigned(n)),
                           dim3(kTile, kThreadsY), 0, st);
    const bool wide = g.in_c >= 4;
    if (transposed && wide) launch(conv3x3_tiled_kernel<true, 4>, cfg, g, in, weight, bias, out);
    else if (transposed) launch(conv3x3_tiled_kernel<true, 1>, cfg, g, in, weight, bias, out);
    else if (wide) launch(conv3x3_tiled_kernel<false, 4>, cfg, g, in, weight, bias, out);
    else launch(conv3x3_tiled_kernel<false, 1>, cfg, g, in, weight, bias, out);
}

constexpr int kWgThreads = 128;
constexpr int kWgOut = 8;                       // output channels per block
constexpr int kWgValues = kWgOut * 9 + kWgOut;  // weight taps + bias per block

int wgrad_splits(const Conv3x3Shape& s) {
    size_t pixels = size_t(s.n) * s.h_out() * s.w_out();
    size_t S = (pixels + 2047) / 2048;
    return int(S < 1 ? 1 : (S > 128 ? 128 : S));
}

// partial_w[split][c_out][c_in][9], partial_b[split][c_out] (written by the c_in = 0 blocks).
__global__ void conv3x3_wgrad_partial_kernel(Conv3x3Shape s, int ho, int wo, const float* x,
                                             const float* dy, float* partial_w, float* partial_b) {
    __shared__ float red[kWgThreads][kWgValues + 1];  // +1: conflict-free rows and columns
    const int ci = blockIdx.x, o0 = int(blockIdx.y) * kWgOut, split = blockIdx.z, S = gridDim.z;
    const int tid = threadIdx.x;
    const unsigned uho = unsigned(ho), uwo = unsigned(wo);
    const unsigned count = unsigned(s.n) * uho * uwo, chunk = (count + S - 1) / S;
    const unsigned begin = chunk * split, end = begin + chunk < count ? begin + chunk : count;
    float acc[kWgValues] = {};
    for (unsigned p = begin + tid; p < end; p += kWgThreads) {
        int ox = int(p % uwo), oy = int(p / uwo % uho);
        size_t image = p / (uwo * uho);
        float d[kWgOut];
        for (int j = 0; j < kWgOut; ++j) {
            int o = o0 + j;
            d[j] = o < s.c_out ? dy[((image * s.c_out + o) * ho + oy) * wo + ox] : 0.0f;
            acc[kWgOut * 9 + j] += d[j];
        }
        const float* xp = x + (image * s.c_in + ci) * s.h * s.w;
        for (int ky = 0; ky < 3; ++ky) {
            int iy = oy + ky - s.pad;
            for (int kx = 0; kx < 3; ++kx) {
                int ix = ox + kx - s.pad;
                float xv = iy >= 0 && iy < s.h && ix >= 0 && ix < s.w ? xp[iy * s.w + ix] : 0.0f;
                for (int j = 0; j < kWgOut; ++j) acc[j * 9 + ky * 3 + kx] += d[j] * xv;
            }
        }
    }
    for (int v = 0; v < kWgValues; ++v) red[tid][v] = acc[v];
    __syncthreads();
    if (tid >= kWgValues) return;
    float t = 0.0f;
    for (int r = 0; r < kWgThreads; ++r) t += red[r][tid];
    if (tid < kWgOut * 9) {
        int o = o0 + tid / 9;
        if (o < s.c_out) partial_w[((size_t(split) * s.c_out + o) * s.c_in + ci) * 9 + tid % 9] = t;
    } else {
        int o = o0 + tid - kWgOut * 9;
        if (ci == 0 && o < s.c_out) partial_b[size_t(split) * s.c_out + o] = t;
    }
}

__global__ void conv3x3_wgrad_finalize_kernel(int S, int c_out, size_t weights,
                                              const float* partial_w, const float* partial_b,
                                              float* dw, float* db) {
    size_t total = weights + c_out;
    for (size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
         i += size_t(gridDim.x) * blockDim.x) {
        float t = 0.0f;
        if (i < weights) {
            for (int k = 0; k < S; ++k) t += partial_w[k * weights + i];
            dw[i] = t;
        } else {
            size_t o = i - weights;
            for (int k = 0; k < S; ++k) t += partial_b[size_t(k) * c_out + o];
            db[o] = t;
        }
    }
}

}  // namespace

void conv3x3_forward(cudaStream_t st, const Conv3x3Shape& s, const float* x, const float* w,
                     const float* b, float* y) {
    ConvGeometry g{s.c_in, s.h, s.w, s.c_out, s.h_out(), s.w_out(), -s.pad, s.relu};
    launch_tiled(st, s.n, g, false, x, w, b, y);
}

void conv3x3_backward_input(cudaStream_t st, const Conv3x3Shape& s, const float* dy,
                            const float* w, float* dx) {
    ConvGeometry g{s.c_out, s.h_out(), s.w_out(), s.c_in, s.h, s.w, s.pad - 2};
    launch_tiled(st, s.n, g, true, dy, w, nullptr, dx);
}

size_t conv3x3_backward_weight_workspace_floats(const Conv3x3Shape& s) {
    return size_t(wgrad_splits(s)) * s.c_out * (size_t(s.c_in) * 9 + 1);
}

void conv3x3_backward_weight(cudaStream_t st, const Conv3x3Shape& s, const float* x,
                             const float* dy, float* dw, float* db, Workspace ws) {
    int S = wgrad_splits(s);
    size_t weights = size_t(s.c_out) * s.c_in * 9;
    require_32bit_index(size_t(s.n) * s.h_out() * s.w_out(), "conv3x3_backward_weight");
    if (ws.floats < conv3x3_backward_weight_workspace_floats(s))
        fail("conv3x3_backward_weight: workspace of ", ws.floats, " floats is too small");
    float* partial_w = ws.data;
    float* partial_b = ws.data + S * weights;
    if (s.n == 0 || s.h_out() <= 0 || s.w_out() <= 0) {
        fill(st, dw, weights, 0.0f);
        fill(st, db, size_t(s.c_out), 0.0f);
        return;
    }
    dim3 grid(unsigned(s.c_in), unsigned((s.c_out + kWgOut - 1) / kWgOut), unsigned(S));
    launch(conv3x3_wgrad_partial_kernel, {grid, kWgThreads, 0, st}, s, s.h_out(), s.w_out(), x, dy,
           partial_w, partial_b);
    launch(conv3x3_wgrad_finalize_kernel, {blocks_for(weights + s.c_out), kThreads, 0, st}, S,
           s.c_out, weights, partial_w, partial_b, dw, db);
}

}  // namespace mcseg::cuda
