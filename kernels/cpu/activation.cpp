// kernels/cpu/activation.cpp — ReLU and the dropout mask (the mask is applied with mul()).
//
// ReLU's backward reads the forward OUTPUT: dx = dy where y > 0, else 0 (y > 0 ⇔ x > 0).
// The dropout mask is mask[i] = (u_i >= p) / (1 - p), u_i = philox_uniform_at(seed, stream, i);
// one Philox call yields the four uniforms of elements 4j..4j+3, so the loop runs over groups of
// four, which is the same numbers philox_uniform_at would give one by one.
#include "engine/philox.h"
#include "kernels/cpu/cpu_backend.h"

namespace mcseg {

void CpuBackend::relu_forward(const float* x, float* y, size_t n) {
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; ++i) y[i] = x[i] < 0.0f ? 0.0f : x[i];  // NaN passes
}

void CpuBackend::relu_backward(const float* y, const float* dy, float* dx, size_t n) {
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; ++i) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

void CpuBackend::dropout_mask(float* mask, size_t n, float p, uint64_t seed, uint64_t stream) {
    const float keep = 1.0f / (1.0f - p);
    const size_t groups = (n + 3) / 4;
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t g = 0; g < groups; ++g) {
        Philox4 r = philox4x32_10(g, stream, seed);
        for (size_t k = 0; k < 4 && 4 * g + k < n; ++k)
            mask[4 * g + k] = philox_uniform(r.v[k]) >= p ? keep : 0.0f;
    }
}

}  // namespace mcseg
