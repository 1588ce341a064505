// kernels/cuda/emu/reject/extern_shared.cu — a plain extern __shared__ array (use MCSEG_DYNAMIC_SHARED instead).
// Compiled by ctest against the CUDA emulation (kernels/cuda/CMakeLists.txt); it must NOT compile.
#include "kernels/cuda/launch.h"

__global__ void k(float* out) {
    extern __shared__ float s[];
    s[threadIdx.x] = 1.0f;
    out[threadIdx.x] = s[threadIdx.x];
}
