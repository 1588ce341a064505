// kernels/cuda/emu/runtime.cpp — the CUDA runtime and cuBLAS calls of the emulation layer.
//
// Device memory is host memory (256-byte aligned, like cudaMalloc); a stream executes in
// order at the call, so every "async" call is complete when it returns and synchronising is a
// no-op; an event records the wall-clock time of its cudaEventRecord. cublasSgemm multiplies
// with the project's CPU gemm, translating cuBLAS's column-major convention to its row-major one.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <cstdio>

#include "kernels/cpu/gemm.h"
#include "kernels/cuda/emu/emu.h"

struct CUstream_st {};
struct CUevent_st {
    std::chrono::steady_clock::time_point when;
};
struct cublasContext {};

namespace mcseg::emu {
thread_local cudaError_t t_last_error = cudaSuccess;
cudaError_t record_error(cudaError_t e) {
    if (e != cudaSuccess) t_last_error = e;
    return e;
}
}  // namespace mcseg::emu

using mcseg::emu::record_error;

cudaError_t cudaMalloc(void** p, size_t bytes) {
    size_t rounded = (bytes + 255) / 256 * 256;
    *p = rounded ? std::aligned_alloc(256, rounded) : nullptr;
    return *p || !rounded ? cudaSuccess : record_error(cudaErrorMemoryAllocation);
}
cudaError_t cudaFree(void* p) {
    std::free(p);
    return cudaSuccess;
}
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind) {
    if (bytes) std::memmove(dst, src, bytes);
    return cudaSuccess;
}
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind,
                            cudaStream_t) {
    return cudaMemcpy(dst, src, bytes, kind);
}
cudaError_t cudaMemset(void* p, int value, size_t bytes) {
    if (bytes) std::memset(p, value, bytes);
    return cudaSuccess;
}
cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t) {
    return cudaMemset(p, value, bytes);
}
cudaError_t cudaStreamCreate(cudaStream_t* s) {
    *s = new CUstream_st;
    return cudaSuccess;
}
cudaError_t cudaStreamDestroy(cudaStream_t s) {
    delete s;
    return cudaSuccess;
}
cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
cudaError_t cudaEventCreate(cudaEvent_t* e) {
    *e = new CUevent_st;
    return cudaSuccess;
}
cudaError_t cudaEventDestroy(cudaEvent_t e) {
    delete e;
    return cudaSuccess;
}
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t) {
    e->when = std::chrono::steady_clock::now();
    return cudaSuccess;
}
cudaError_t cudaEventSynchronize(cudaEvent_t) { return cudaSuccess; }
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
    *ms = std::chrono::duration<float, std::milli>(end->when - start->when).count();
    return cudaSuccess;
}
cudaError_t cudaGetLastError() {
    cudaError_t e = mcseg::emu::t_last_error;
    mcseg::emu::t_last_error = cudaSuccess;
    return e;
}
const char* cudaGetErrorString(cudaError_t e) {
    switch (e) {
        case cudaSuccess: return "no error";
        case cudaErrorInvalidValue: return "invalid argument";
        case cudaErrorMemoryAllocation: return "out of memory";
        case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    }
    return "unknown error";
}
cudaError_t cudaGetDeviceCount(int* n) {
    *n = 1;
    return cudaSuccess;
}
cudaError_t cudaSetDevice(int d) { return d == 0 ? cudaSuccess : record_error(cudaErrorInvalidValue); }
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int d) {
    if (d != 0) return record_error(cudaErrorInvalidValue);
    std::memset(prop, 0, sizeof *prop);
    unsigned threads = mcseg::emu::worker_threads();
    std::snprintf(prop->name, sizeof prop->name, "emulated on cpu, %u threads", threads);
    prop->multiProcessorCount = int(threads);
    return cudaSuccess;
}

cublasStatus_t cublasCreate(cublasHandle_t* h) {
    *h = new cublasContext;
    return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasDestroy(cublasHandle_t h) {
    delete h;
    return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasSetStream(cublasHandle_t, cudaStream_t) { return CUBLAS_STATUS_SUCCESS; }

// Column-major C = op(A)·op(B) is row-major Cᵀ = op(B)ᵀ·op(A)ᵀ: swap the operands and sizes.
cublasStatus_t cublasSgemm(cublasHandle_t, cublasOperation_t opa, cublasOperation_t opb, int m,
                           int n, int k, const float* alpha, const float* A, int lda,
                           const float* B, int ldb, const float* beta, float* C, int ldc) {
    if (m < 0 || n < 0 || k < 0) return CUBLAS_STATUS_INVALID_VALUE;
    mcseg::gemm(opb == CUBLAS_OP_T, opa == CUBLAS_OP_T, n, m, k, *alpha, B, ldb, A, lda, *beta, C,
                ldc);
    return CUBLAS_STATUS_SUCCESS;
}
const char* cublasGetStatusString(cublasStatus_t s) {
    return s == CUBLAS_STATUS_SUCCESS ? "CUBLAS_STATUS_SUCCESS" : "CUBLAS_STATUS_INVALID_VALUE";
}
