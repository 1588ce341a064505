// kernels/cpu/cpu_backend.cpp — the CPU backend's memory (64-byte aligned host allocations, so
// AVX-512 loads never split a cache line at the start of a tensor) and elementwise helpers.
#include "kernels/cpu/cpu_backend.h"

#include <omp.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace mcseg {

std::string CpuBackend::name() const {
    return "cpu (" + std::to_string(omp_get_max_threads()) + " threads)";
}

void* CpuBackend::allocate(size_t bytes) {
    size_t rounded = (bytes + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, rounded ? rounded : 64);
    if (!p) throw std::bad_alloc();
    return p;
}

void CpuBackend::deallocate(void* p, size_t) { std::free(p); }

void CpuBackend::copy_from_host(void* dst, const void* src, size_t bytes) { std::memcpy(dst, src, bytes); }
void CpuBackend::copy_to_host(void* dst, const void* src, size_t bytes) { std::memcpy(dst, src, bytes); }
void CpuBackend::copy(void* dst, const void* src, size_t bytes) { std::memcpy(dst, src, bytes); }

void CpuBackend::fill(float* y, size_t n, float value) {
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; ++i) y[i] = value;
}

void CpuBackend::axpy(float* y, const float* x, size_t n, float alpha) {
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

void CpuBackend::mul(float* y, const float* a, const float* b, size_t n) {
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; ++i) y[i] = a[i] * b[i];
}

Backend& cpu_backend() {
    static CpuBackend backend;
    return backend;
}

}  // namespace mcseg
