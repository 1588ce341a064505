// kernels/cuda/emu/reject/managed_memory.cu — __managed__ variables (unified memory) are outside the emulated subset.
// Compiled by ctest against the CUDA emulation (kernels/cuda/CMakeLists.txt); it must NOT compile.
#include "kernels/cuda/launch.h"

__managed__ int counter;

__global__ void k() { atomicAdd(&counter, 1); }
