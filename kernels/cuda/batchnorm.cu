// kernels/cuda/batchnorm.cu — batch normalisation: training forward (batch statistics, running
// stats update), evaluation forward (running statistics) and backward.
//
// The per-channel reductions run over n·hw elements, which for the paper's first layer at batch
// 4096 is ~10 M per channel but only 32 channels: one block per channel would leave most of a
// large GPU idle. So each channel's range is split into S chunks; a grid (S, c) of blocks writes
// partial sums (block reduction: warp shuffles, then one warp), a one-thread-per-channel kernel
// adds the S partials in a fixed order in double precision, and an elementwise kernel applies the
// result. Two passes over x for the statistics (mean, then Σ(x-mean)²) keep the variance
// accurate; backward needs Σdy and Σdy·(x-mean) from one more pass. No atomics: deterministic.
#include <cmath>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/kernels.h"
#include "kernels/cuda/launch.h"

namespace mcseg::cuda {

namespace {

enum class Reduce { Sum, SquaredDeviation, Backward };

int splits_for(const BatchNormShape& s) {
    size_t per_channel = size_t(s.n) * s.hw;
    size_t S = (per_channel + 8191) / 8192;
    return int(S < 1 ? 1 : (S > 64 ? 64 : S));
}

// partial[(c*S + split)*2 + {0,1}]:
//   Sum:               Σ x, unused
//   SquaredDeviation:  Σ (x - mean)², unused
//   Backward:          Σ dy, Σ dy·(x - mean)
__global__ void channel_partials_kernel(BatchNormShape s, Reduce mode, const float* x,
                                        const float* dy, const float* mean, float* partial) {
    __shared__ float scratch[32];
    int S = gridDim.x, split = blockIdx.x, c = blockIdx.y;
    const unsigned hw = s.hw, count = unsigned(s.n) * hw, chunk = (count + S - 1) / S;
    const unsigned begin = chunk * split, end = begin + chunk < count ? begin + chunk : count;
    float mu = mode == Reduce::Sum ? 0.0f : mean[c];
    float a = 0.0f, b = 0.0f;
    for (unsigned j = begin + threadIdx.x; j < end; j += blockDim.x) {
        size_t idx = (size_t(j / hw) * s.c + c) * hw + j % hw;
        float v = x[idx];
        if (mode == Reduce::Sum) {
            a += v;
        } else if (mode == Reduce::SquaredDeviation) {
            a += (v - mu) * (v - mu);
        } else {
            float g = dy[idx];
            a += g;
            b += g * (v - mu);
        }
    }
    a = block_sum(a, scratch);
    b = block_sum(b, scratch);
    if (threadIdx.x == 0) {
        partial[(size_t(c) * S + split) * 2] = a;
        partial[(size_t(c) * S + split) * 2 + 1] = b;
    }
}

__device__ __forceinline__ double sum_partials(const float* partial, int c, int S, int which) {
    double t = 0.0;
    for (int k = 0; k < S; ++k) t += partial[(size_t(c) * S + k) * 2 + which];
    return t;
}

__global__ void finalize_mean_kernel(BatchNormShape s, int S, const float* partial, float* mean) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c < s.c) mean[c] = float(sum_partials(partial, c, S, 0) / (double(s.n) * s.hw));
}

// Biased variance normalises; the running variance takes the unbiased one (PyTorch).
__global__ void finalize_var_kernel(BatchNormShape s, int S, const float* partial, float eps,
                                    float momentum, const float* mean, float* invstd,
                                    float* running_mean, float* running_var) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= s.c) return;
    double count = double(s.n) * s.hw;
    double var = sum_partials(partial, c, S, 0) / count;
    double unbiased = count > 1 ? var * count / (count - 1) : var;
    invstd[c] = float(1.0 / sqrt(var + double(eps)));
    running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * mean[c];
    running_var[c] = (1.0f - momentum) * running_var[c] + momentum * float(unbiased);
}

// dbeta = Σdy; dgamma = Σ dy·x̂ = invstd · Σ dy·(x - mean).
__global__ void finalize_backward_kernel(BatchNormShape s, int S, const float* partial,
                                         const float* invstd, float* dgamma, float* dbeta) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= s.c) return;
    dbeta[c] = float(sum_partials(partial, c, S, 0));
    dgamma[c] = float(sum_partials(partial, c, S, 1) * invstd[c]);
}

__global__ void normalize_kernel(BatchNormShape s, const float* x, const float* gamma,
                                 const float* beta, const float* mean, const float* invstd,
                                 float* y) {
    const unsigned total = unsigned(s.n) * s.c * s.hw, hw = s.hw, channels = s.c;
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
        unsigned c = i / hw % channels;
        y[i] = (x[i] - mean[c]) * invstd[c] * gamma[c] + beta[c];
    }
}

__global__ void eval_kernel(BatchNormShape s, const float* x, const float* gamma, const float* beta,
                            const float* running_mean, const float* running_var, float eps,
                            float* y) {
    const unsigned total = unsigned(s.n) * s.c * s.hw, hw = s.hw, channels = s.c;
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
        unsigned c = i / hw % channels;
        y[i] = (x[i] - running_mean[c]) / sqrtf(running_var[c] + eps) * gamma[c] + beta[c];
    }
}

// dx = gamma·invstd · (dy - dbeta/m - x̂·dgamma/m), m = n·hw.
__global__ void backward_dx_kernel(BatchNormShape s, const float* x, const float* dy,
                                   const float* gamma, const float* mean, const float* invstd,
                                   const float* dgamma, const float* dbeta, float* dx) {
    const unsigned total = unsigned(s.n) * s.c * s.hw, hw = s.hw, channels = s.c;
    float inv_m = 1.0f / (float(s.n) * float(s.hw));
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
        unsigned c = i / hw % channels;
        float xhat = (x[i] - mean[c]) * invstd[c];
        dx[i] = gamma[c] * invstd[c] * (dy[i] - dbeta[c] * inv_m - xhat * dgamma[c] * inv_m);
    }
}

unsigned channel_blocks(int c) { return unsigned((c + 63) / 64); }

}  // namespace

size_t batchnorm_workspace_floats(const BatchNormShape& s) {
    return size_t(s.c) * splits_for(s) * 2;
}

static void check_workspace(const BatchNormShape& s, const Workspace& ws) {
    if (ws.floats < batchnorm_workspace_floats(s))
        fail("batchnorm: workspace of ", ws.floats, " floats is too small");
}

static void check_size(const BatchNormShape& s) {
    require_32bit_index(size_t(s.n) * s.c * s.hw, "batchnorm");
}

void batchnorm_forward_train(cudaStream_t st, const BatchNormShape& s, const float* x,
                             const float* gamma, const float* beta, float eps, float momentum,
                             float* y, float* save_mean, float* save_invstd, float* running_mean,
                             float* running_var, Workspace ws) {
    int S = splits_for(s);
    check_workspace(s, ws);
    check_size(s);
    dim3 grid(unsigned(S), unsigned(s.c));
    size_t total = size_t(s.n) * s.c * s.hw;
    launch(channel_partials_kernel, {grid, kThreads, 0, st}, s, Reduce::Sum, x, nullptr, nullptr,
           ws.data);
    launch(finalize_mean_kernel, {channel_blocks(s.c), 64, 0, st}, s, S, ws.data, save_mean);
    launch(channel_partials_kernel, {grid, kThreads, 0, st}, s, Reduce::SquaredDeviation, x,
           nullptr, save_mean, ws.data);
    launch(finalize_var_kernel, {channel_blocks(s.c), 64, 0, st}, s, S, ws.data, eps, momentum,
           save_mean, save_invstd, running_mean, running_var);
    launch(normalize_kernel, {blocks_for(total), kThreads, 0, st}, s, x, gamma, beta, save_mean,
           save_invstd, y);
}

void batchnorm_forward_eval(cudaStream_t st, const BatchNormShape& s, const float* x,
                            const float* gamma, const float* beta, const float* running_mean,
                            const float* running_var, float eps, float* y) {
    check_size(s);
    size_t total = size_t(s.n) * s.c * s.hw;
    launch(eval_kernel, {blocks_for(total), kThreads, 0, st}, s, x, gamma, beta, running_mean,
           running_var, eps, y);
}

void batchnorm_backward(cudaStream_t st, const BatchNormShape& s, const float* x, const float* dy,
                        const float* gamma, const float* save_mean, const float* save_invstd,
                        float* dx, float* dgamma, float* dbeta, Workspace ws) {
    int S = splits_for(s);
    check_workspace(s, ws);
    check_size(s);
    size_t total = size_t(s.n) * s.c * s.hw;
    launch(channel_partials_kernel, {dim3(unsigned(S), unsigned(s.c)), kThreads, 0, st}, s,
           Reduce::Backward, x, dy, save_mean, ws.data);
    launch(finalize_backward_kernel, {channel_blocks(s.c), 64, 0, st}, s, S, ws.data, save_invstd,
           dgamma, dbeta);
    launch(backward_dx_kernel, {blocks_for(total), kThreads, 0, st}, s, x, dy, gamma, save_mean,
           save_invstd, dgamma, dbeta, dx);
}

}  // namespace mcseg::cuda
