// kernels/cuda/emu/reject/constant_memory.cu — __constant__ memory is outside the emulated subset.
// Compiled by ctest against the CUDA emulation (kernels/cuda/CMakeLists.txt); it must NOT compile.
#include "kernels/cuda/launch.h"

__constant__ float table[4];

__global__ void k(float* out) { out[threadIdx.x] = table[threadIdx.x % 4]; }
