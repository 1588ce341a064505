// kernels/cuda/emu/reject/ballot.cu — warp votes (__ballot_sync) are outside the emulated subset.
// Compiled by ctest against the CUDA emulation (kernels/cuda/CMakeLists.txt); it must NOT compile.
#include "kernels/cuda/launch.h"

__global__ void k(const float* in, unsigned* out) { out[threadIdx.x] = __ballot_sync(0xffffffffu, in[threadIdx.x] > 0); }
