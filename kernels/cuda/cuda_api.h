// kernels/cuda/cuda_api.h — the one include every CUDA source of the project starts from.
//
// Under nvcc it is the CUDA runtime and cuBLAS; under MCSEG_CUDA_EMULATION it is the project's
// CPU emulation of the same subset (kernels/cuda/emu/emu.h), so one source builds both ways.
// It also gives the checked-call macro: every CUDA and cuBLAS call goes through
// MCSEG_CUDA_CHECK, which turns a failure into mcseg::Error naming the call and its file:line.
#pragma once
#include "engine/error.h"

#if defined(MCSEG_CUDA_EMULATION)
#include "kernels/cuda/emu/emu.h"
// Dynamic shared memory (the launch's shmem bytes), as a typed pointer named `name`.
#define MCSEG_DYNAMIC_SHARED(type, name) \
    type* name = reinterpret_cast<type*>(::mcseg::emu::t_block->dynamic_shared)
#else
#include <cublas_v2.h>
#include <cuda_runtime.h>
#define MCSEG_DYNAMIC_SHARED(type, name)                         \
    extern __shared__ __align__(16) unsigned char mcseg_smem_[]; \
    type* name = reinterpret_cast<type*>(mcseg_smem_)
#endif

#define MCSEG_CUDA_CHECK(call) ::mcseg::cuda::check((call), #call, __FILE__, __LINE__)

namespace mcseg::cuda {

inline void check(cudaError_t e, const char* what, const char* file, int line) {
    if (e != cudaSuccess) fail(file, ":", line, ": ", what, ": ", cudaGetErrorString(e));
}
inline void check(cublasStatus_t s, const char* what, const char* file, int line) {
    if (s != CUBLAS_STATUS_SUCCESS) fail(file, ":", line, ": ", what, ": ", cublasGetStatusString(s));
}

}  // namespace mcseg::cuda
