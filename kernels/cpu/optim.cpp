// kernels/cpu/optim.cpp — fused in-place optimiser updates.
//
// Adam as PyTorch computes it (same rounding order, so the two agree closely):
//   m = β1·m + (1-β1)·g,  v = β2·v + (1-β2)·g²,
//   param -= (lr / (1-β1^t)) · m / (sqrt(v) / sqrt(1-β2^t) + eps).
// SGD: velocity = momentum·velocity + g, param -= lr·velocity; with a null velocity (allowed
// when momentum is 0) simply param -= lr·g.
#include <cmath>

#include "kernels/cpu/cpu_backend.h"

namespace mcseg {

void CpuBackend::adam_step(size_t n, float* param, const float* grad, float* m, float* v, float lr,
                           float beta1, float beta2, float eps, int64_t step) {
    const double bc1 = 1.0 - std::pow(static_cast<double>(beta1), static_cast<double>(step));
    const double bc2 = 1.0 - std::pow(static_cast<double>(beta2), static_cast<double>(step));
    const float step_size = static_cast<float>(lr / bc1);
    const float bc2_sqrt = static_cast<float>(std::sqrt(bc2));
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; ++i) {
        const float g = grad[i];
        m[i] = beta1 * m[i] + (1.0f - beta1) * g;
        v[i] = beta2 * v[i] + (1.0f - beta2) * g * g;
        param[i] -= step_size * m[i] / (std::sqrt(v[i]) / bc2_sqrt + eps);
    }
}

void CpuBackend::sgd_step(size_t n, float* param, const float* grad, float* velocity, float lr,
                          float momentum) {
    if (!velocity) {
#pragma omp parallel for schedule(static) if (n > 65536)
        for (size_t i = 0; i < n; ++i) param[i] -= lr * grad[i];
        return;
    }
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; ++i) {
        velocity[i] = momentum * velocity[i] + grad[i];
        param[i] -= lr * velocity[i];
    }
}

}  // namespace mcseg
