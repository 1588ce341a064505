// kernels/cuda/maxpool.cu — 2×2 max-pool, stride 2 (floor on odd sizes), forward and backward.
//
// Forward: one thread per output pixel. Backward is a gather, one thread per INPUT pixel: it
// recomputes its window's argmax from x (first maximum in row-major order, as the CPU backend)
// and takes dy of the window if it is that argmax, else 0. Every dx element is written by
// exactly one thread: no atomics, no stored indices, deterministic; pixels in a dropped odd
// row/column get 0.
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/kernels.h"
#include "kernels/cuda/launch.h"

namespace mcseg::cuda {

namespace {

// Index (0..3, row-major) of the first maximum of the window whose top-left is `p`.
__device__ __forceinline__ int window_argmax(const float* p, int w) {
    const float v[4] = {p[0], p[1], p[w], p[w + 1]};
    int best = 0;
    for (int j = 1; j < 4; ++j)
        if (v[j] > v[best]) best = j;
    return best;
}

__global__ void maxpool_forward_kernel(Pool2x2Shape s, const float* x, float* y) {
    const unsigned ho = s.h / 2, wo = s.w / 2;  // h_out()/w_out() are host-only
    const unsigned total = unsigned(s.n) * s.c * ho * wo;
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
        unsigned ox = i % wo, oy = i / wo % ho, plane = i / (wo * ho);
        const float* p = x + size_t(plane) * s.h * s.w + (2 * oy) * s.w + 2 * ox;
        int a = window_argmax(p, s.w);
        y[i] = p[(a / 2) * s.w + a % 2];
    }
}

__global__ void maxpool_backward_kernel(Pool2x2Shape s, const float* x, const float* dy, float* dx) {
    const unsigned ho = s.h / 2, wo = s.w / 2, h = s.h, w = s.w;  // h_out()/w_out(): host-only
    const unsigned total = unsigned(s.n) * s.c * h * w;
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
        unsigned ix = i % w, iy = i / w % h, plane = i / (w * h);
        unsigned oy = iy / 2, ox = ix / 2;
        float g = 0.0f;
        if (oy < ho && ox < wo) {
            const float* p = x + size_t(plane) * h * w + (2 * oy) * w + 2 * ox;
            unsigned a = unsigned(window_argmax(p, s.w));
            if (a == (iy % 2) * 2 + ix % 2) g = dy[(size_t(plane) * ho + oy) * wo + ox];
        }
        dx[i] = g;
    }
}

}  // namespace

void maxpool2x2_forward(cudaStream_t st, const Pool2x2Shape& s, const float* x, float* y) {
    size_t total = size_t(s.n) * s.c * s.h_out() * s.w_out();
    require_32bit_index(size_t(s.n) * s.c * s.h * s.w, "maxpool2x2_forward");
    if (total) launch(maxpool_forward_kernel, {blocks_for(total), kThreads, 0, st}, s, x, y);
}

void maxpool2x2_backward(cudaStream_t st, const Pool2x2Shape& s, const float* x, const float* dy,
                         float* dx) {
    size_t total = size_t(s.n) * s.c * s.h * s.w;
    require_32bit_index(total, "maxpool2x2_backward");
    if (total) launch(maxpool_backward_kernel, {blocks_for(total), kThreads, 0, st}, s, x, dy, dx);
}

}  // namespace mcseg::cuda
