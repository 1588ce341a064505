// kernels/cuda/dropout.cu — the inverted-dropout mask from the Philox counter-based generator.
//
// mask[i] = (u_i >= p) / (1 - p), u_i = philox_uniform_at(seed, stream, i) (engine/philox.h):
// the same function the CPU backend calls, so the masks agree bit for bit. One Philox call
// yields four uniforms (elements 4c .. 4c+3 share counter c), so each thread owns one counter.
#include "engine/philox.h"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/kernels.h"
#include "kernels/cuda/launch.h"

namespace mcseg::cuda {

namespace {

__global__ void dropout_mask_kernel(float* mask, size_t n, float p, float scale, uint64_t seed,
                                    uint64_t stream) {
    size_t counters = (n + 3) / 4;
    for (size_t c = size_t(blockIdx.x) * blockDim.x + threadIdx.x; c < counters;
         c += size_t(gridDim.x) * blockDim.x) {
        Philox4 r = philox4x32_10(c, stream, seed);
        for (int j = 0; j < 4 && 4 * c + j < n; ++j)
            mask[4 * c + j] = philox_uniform(r.v[j]) >= p ? scale : 0.0f;
    }
}

}  // namespace

void dropout_mask(cudaStream_t s, float* mask, size_t n, float p, uint64_t seed, uint64_t stream) {
    if (!n) return;
    size_t counters = (n + 3) / 4;
    launch(dropout_mask_kernel, {blocks_for(counters), kThreads, 0, s}, mask, n, p,
           1.0f / (1.0f - p), seed, stream);
}

}  // namespace mcseg::cuda
