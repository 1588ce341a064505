// kernels/cuda/emu/reject/ldg.cu — read-only cache loads (__ldg) are outside the emulated subset.
// Compiled by ctest against the CUDA emulation (kernels/cuda/CMakeLists.txt); it must NOT compile.
#include "kernels/cuda/launch.h"

__global__ void k(const float* in, float* out) { out[threadIdx.x] = __ldg(in + threadIdx.x); }
