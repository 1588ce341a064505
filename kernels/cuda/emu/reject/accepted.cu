// kernels/cuda/emu/reject/accepted.cu — the control case: a kernel written in the supported subset (shared memory, barriers, shuffles, atomics, launch helper).
// Compiled by ctest against the CUDA emulation (kernels/cuda/CMakeLists.txt); it must compile, which shows the rejections below fail for the intended reason.
#include "kernels/cuda/launch.h"

__global__ void subset_kernel(const float* in, float* out, int* count) {
    __shared__ float tile[64];
    MCSEG_DYNAMIC_SHARED(float, extra);
    unsigned t = threadIdx.x;
    tile[t] = in[blockIdx.x * blockDim.x + t];
    extra[t] = rsqrtf(fmaxf(tile[t], 1.0f));
    __syncthreads();
    float v = __shfl_down_sync(0xffffffffu, tile[63 - t] + extra[t], 1);
    v = __shfl_xor_sync(0xffffffffu, v, 2) + __shfl_sync(0xffffffffu, v, 0);
    atomicAdd(count, 1);
    out[blockIdx.x * blockDim.x + t] = v;
}

void run(const float* in, float* out, int* count) {
    mcseg::cuda::launch(subset_kernel, {2, 64, 64 * sizeof(float), nullptr}, in, out, count);
}
