// kernels/cuda/kernels.h — host-side entry points of the CUDA kernels, one group per .cu file.
//
// Each function enqueues its kernel(s) on `stream` and returns; pointers are device pointers.
// The CUDA backend (cuda_backend.cu) calls these; they compile under nvcc and under the CPU
// emulation alike. Functions that need temporary device memory take a `Workspace` the caller
// sized with the matching *_workspace_floats().
#pragma once
#include <cstddef>
#include <cstdint>

#include "engine/backend.h"
#include "kernels/cuda/cuda_api.h"

namespace mcseg::cuda {

struct Workspace {
    float* data;
    size_t floats;
};

// elementwise.cu
void fill(cudaStream_t s, float* y, size_t n, float value);
void axpy(cudaStream_t s, float* y, const float* x, size_t n, float alpha);
void mul(cudaStream_t s, float* y, const float* a, const float* b, size_t n);
void relu_forward(cudaStream_t s, const float* x, float* y, size_t n);
void relu_backward(cudaStream_t s, const float* y, const float* dy, float* dx, size_t n);

// dropout.cu
void dropout_mask(cudaStream_t s, float* mask, size_t n, float p, uint64_t seed, uint64_t stream);

// conv3x3.cu
void conv3x3_forward(cudaStream_t s, const Conv3x3Shape& sh, const float* x, const float* w,
                     const float* b, float* y);
void conv3x3_backward_input(cudaStream_t s, const Conv3x3Shape& sh, const float* dy,
                            const float* w, float* dx);
size_t conv3x3_backward_weight_workspace_floats(const Conv3x3Shape& sh);
void conv3x3_backward_weight(cudaStream_t s, const Conv3x3Shape& sh, const float* x,
                             const float* dy, float* dw, float* db, Workspace ws);

// maxpool.cu
void maxpool2x2_forward(cudaStream_t s, const Pool2x2Shape& sh, const float* x, float* y);
void maxpool2x2_backward(cudaStream_t s, const Pool2x2Shape& sh, const float* x, const float* dy,
                         float* dx);

// batchnorm.cu
size_t batchnorm_workspace_floats(const BatchNormShape& sh);
void batchnorm_forward_train(cudaStream_t s, const BatchNormShape& sh, const float* x,
                             const float* gamma, const float* beta, float eps, float momentum,
                             float* y, float* save_mean, float* save_invstd, float* running_mean,
                             float* running_var, Workspace ws);
void batchnorm_forward_eval(cudaStream_t s, const BatchNormShape& sh, const float* x,
                            const float* gamma, const float* beta, const float* running_mean,
                            const float* running_var, float eps, float* y);
void batchnorm_backward(cudaStream_t s, const BatchNormShape& sh, const float* x, const float* dy,
                        const float* gamma, const float* save_mean, const float* save_invstd,
                        float* dx, float* dgamma, float* dbeta, Workspace ws);

// gemm.cu — row-major C[M×N] = op(A)·op(B) (+ bias[N] on every row when bias is not null).
size_t gemm_workspace_floats(int M, int N, int K);  // split-K partials; 0 when K is not split
void gemm_tiled(cudaStream_t s, bool trans_a, bool trans_b, int M, int N, int K, const float* A,
                int lda, const float* B, int ldb, float* C, int ldc, const float* bias,
                Workspace ws);
void add_row_bias(cudaStream_t s, float* C, int M, int N, const float* bias);
void column_sums(cudaStream_t s, const float* A, int M, int N, float* out);  // out[j] = Σ_i A[i][j]

// softmax_xent.cu
void softmax_xent_forward(cudaStream_t s, int n, int k, const float* logits, const float* labels,
                          float* probs, float* loss);
void softmax_xent_backward(cudaStream_t s, int n, int k, const float* probs, const float* labels,
                           const float* dloss, float* dlogits);

// optim.cu
void adam_step(cudaStream_t s, size_t n, float* param, const float* grad, float* m, float* v,
               float lr, float beta1, float beta2, float eps, int64_t step);
void sgd_step(cudaStream_t s, size_t n, float* param, const float* grad, float* velocity, float lr,
              float momentum);

}  // namespace mcseg::cuda
