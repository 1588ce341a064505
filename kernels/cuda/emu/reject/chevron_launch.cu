// kernels/cuda/emu/reject/chevron_launch.cu — a <<<>>> launch outside kernels/cuda/launch.h.
// Compiled by ctest against the CUDA emulation (kernels/cuda/CMakeLists.txt); it must NOT compile.
#include "kernels/cuda/launch.h"

__global__ void k(float* out) { out[threadIdx.x] = 0.0f; }

void run(float* out) { k<<<1, 32>>>(out); }
