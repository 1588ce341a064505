// kernels/cuda/common.cuh — small device helpers shared by the kernel files: grid sizing for
// grid-stride loops and deterministic block reductions (warp shuffles, then one warp over the
// per-warp sums). "Deterministic" matters: the same inputs give the same bits on every run,
// which atomics-based reductions would not.
#pragma once
#include <cstddef>

#include "kernels/cuda/cuda_api.h"

namespace mcseg::cuda {

constexpr unsigned kThreads = 256;  // block size of the 1-D kernels

// Kernels that split a flat index with / and % do it in 32 bits (64-bit division costs tens of
// instructions on a GPU), so their tensors must hold fewer than 2^31 elements.
inline void require_32bit_index(size_t n, const char* op) {
    if (n > size_t(0x7fffffff)) fail(op, ": ", n, " elements; the CUDA kernels index at most 2^31 - 1");
}

// Blocks for a grid-stride loop over n items: enough to fill a large GPU, never more than needed.
inline unsigned blocks_for(size_t n, unsigned threads = kThreads) {
    size_t b = (n + threads - 1) / threads;
    return unsigned(b < 1 ? 1 : (b > 8192 ? 8192 : b));
}

__device__ __forceinline__ float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffffu, v, offset);
    return v;
}

// Sum of v over the block (blockDim.x a multiple of 32, at most 1024); the result is valid in
// thread 0. `scratch` is __shared__ float[32]. Ends with a barrier so scratch can be reused.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
    unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    v = warp_sum(v);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < blockDim.x / 32 ? scratch[lane] : 0.0f;
        v = warp_sum(v);
    }
    __syncthreads();
    return v;
}

}  // namespace mcseg::cuda
