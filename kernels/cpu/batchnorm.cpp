// kernels/cpu/batchnorm.cpp — batch normalisation over channel c of x [n, c, hw].
//
// Per channel, with M = n·hw values: mean μ, biased variance σ², invstd = 1/sqrt(σ² + eps),
// x̂ = (x - μ)·invstd, y = γ·x̂ + β. The statistics take two passes (mean, then squared
// deviations) accumulated in double — accurate for any M, and so close to exact that the CUDA
// backend's different summation order cannot move them; the backward sums add float plane sums
// in double. All reductions are vectorised with omp simd. Running stats follow PyTorch:
// running = (1 - momentum)·running + momentum·stat, with the unbiased variance σ²·M/(M-1).
// Backward (the standard closed form):
//   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ·invstd/M · (M·dy - dβ - x̂·dγ).
// Channels are independent and spread over the OpenMP threads.
#include <cmath>

#include "kernels/cpu/cpu_backend.h"

namespace mcseg {

void CpuBackend::batchnorm_forward_train(const BatchNormShape& s, const float* x, const float* gamma,
                                         const float* beta, float eps, float momentum, float* y,
                                         float* save_mean, float* save_invstd, float* running_mean,
                                         float* running_var) {
    const long M = static_cast<long>(s.n) * s.hw;
#pragma omp parallel for schedule(static) if (static_cast<long>(s.n) * s.c * s.hw > 32768)
    for (int c = 0; c < s.c; ++c) {
        double sum = 0.0;
        for (int i = 0; i < s.n; ++i) {
            const float* xc = x + (static_cast<long>(i) * s.c + c) * s.hw;
#pragma omp simd reduction(+ : sum)
            for (int j = 0; j < s.hw; ++j) sum += xc[j];
        }
        const double mean = sum / M;
        double sq = 0.0;
        for (int i = 0; i < s.n; ++i) {
            const float* xc = x + (static_cast<long>(i) * s.c + c) * s.hw;
#pragma omp simd reduction(+ : sq)
            for (int j = 0; j < s.hw; ++j) sq += (xc[j] - mean) * (xc[j] - mean);
        }
        const double var = sq / M;
        const float invstd = static_cast<float>(1.0 / std::sqrt(var + eps));
        const float scale = gamma[c] * invstd, shift = beta[c] - static_cast<float>(mean) * scale;
        for (int i = 0; i < s.n; ++i) {
            const long off = (static_cast<long>(i) * s.c + c) * s.hw;
            for (int j = 0; j < s.hw; ++j) y[off + j] = x[off + j] * scale + shift;
        }
        save_mean[c] = static_cast<float>(mean);
        save_invstd[c] = invstd;
        running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * static_cast<float>(mean);
        running_var[c] = (1.0f - momentum) * running_var[c] +
                         momentum * static_cast<float>(var * M / (M - 1));
    }
}

void CpuBackend::batchnorm_forward_eval(const BatchNormShape& s, const float* x, const float* gamma,
                                        const float* beta, const float* running_mean,
                                        const float* running_var, float eps, float* y) {
#pragma omp parallel for schedule(static) if (static_cast<long>(s.n) * s.c * s.hw > 32768)
    for (int c = 0; c < s.c; ++c) {
        const float scale = gamma[c] / std::sqrt(running_var[c] + eps);
        const float shift = beta[c] - running_mean[c] * scale;
        for (int i = 0; i < s.n; ++i) {
            const long off = (static_cast<long>(i) * s.c + c) * s.hw;
            for (int j = 0; j < s.hw; ++j) y[off + j] = x[off + j] * scale + shift;
        }
    }
}

void CpuBackend::batchnorm_backward(const BatchNormShape& s, const float* x, const float* dy,
                                    const float* gamma, const float* save_mean,
                                    const float* save_invstd, float* dx, float* dgamma,
                                    float* dbeta) {
    const long M = static_cast<long>(s.n) * s.hw;
#pragma omp parallel for schedule(static) if (static_cast<long>(s.n) * s.c * s.hw > 32768)
    for (int c = 0; c < s.c; ++c) {
        const float mean = save_mean[c], invstd = save_invstd[c];
        double sum_dy = 0.0, sum_dy_xhat = 0.0;
        for (int i = 0; i < s.n; ++i) {
            const long off = (static_cast<long>(i) * s.c + c) * s.hw;
            float plane_dy = 0.0f, plane_dy_xhat = 0.0f;
#pragma omp simd reduction(+ : plane_dy, plane_dy_xhat)
            for (int j = 0; j < s.hw; ++j) {
                plane_dy += dy[off + j];
                plane_dy_xhat += dy[off + j] * ((x[off + j] - mean) * invstd);
            }
            sum_dy += plane_dy;
            sum_dy_xhat += plane_dy_xhat;
        }
        const float db = static_cast<float>(sum_dy), dg = static_cast<float>(sum_dy_xhat);
        const float k = gamma[c] * invstd / static_cast<float>(M);
        for (int i = 0; i < s.n; ++i) {
            const long off = (static_cast<long>(i) * s.c + c) * s.hw;
            for (int j = 0; j < s.hw; ++j) {
                const float xhat = (x[off + j] - mean) * invstd;
                dx[off + j] = k * (static_cast<float>(M) * dy[off + j] - db - xhat * dg);
            }
        }
        dgamma[c] = dg;
        dbeta[c] = db;
    }
}

}  // namespace mcseg
