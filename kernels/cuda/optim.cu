// kernels/cuda/optim.cu — Adam (with bias correction) and SGD (with optional momentum) updates.
//
// Elementwise over the parameter vector, grid-stride. Adam in PyTorch's rounding order, as the
// CPU backend: param -= (lr / (1-β1^t)) · m / (sqrt(v) / sqrt(1-β2^t) + eps), with the two bias
// corrections computed once on the host in double precision.
#include <cmath>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/kernels.h"
#include "kernels/cuda/launch.h"

namespace mcseg::cuda {

namespace {

__global__ void adam_kernel(size_t n, float* param, const float* grad, float* m, float* v,
                            float beta1, float beta2, float eps, float step_size, float bc2_sqrt) {
    for (size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += size_t(gridDim.x) * blockDim.x) {
        float g = grad[i];
        float mi = beta1 * m[i] + (1.0f - beta1) * g;
        float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        param[i] -= step_size * mi / (sqrtf(vi) / bc2_sqrt + eps);
    }
}

__global__ void sgd_kernel(size_t n, float* param, const float* grad, float* velocity, float lr,
                           float momentum) {
    for (size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += size_t(gridDim.x) * blockDim.x) {
        float step = grad[i];
        if (velocity) {
            step += momentum * velocity[i];
            velocity[i] = step;
        }
        param[i] -= lr * step;
    }
}

}  // namespace

void adam_step(cudaStream_t s, size_t n, float* param, const float* grad, float* m, float* v,
               float lr, float beta1, float beta2, float eps, int64_t step) {
    if (!n) return;
    double bc1 = 1.0 - std::pow(double(beta1), double(step));
    double bc2 = 1.0 - std::pow(double(beta2), double(step));
    launch(adam_kernel, {blocks_for(n), kThreads, 0, s}, n, param, grad, m, v, beta1, beta2, eps,
           float(lr / bc1), float(std::sqrt(bc2)));
}

void sgd_step(cudaStream_t s, size_t n, float* param, const float* grad, float* velocity, float lr,
              float momentum) {
    if (!n) return;
    launch(sgd_kernel, {blocks_for(n), kThreads, 0, s}, n, param, grad,
           momentum != 0.0f ? velocity : nullptr, lr, momentum);
}

}  // namespace mcseg::cuda
