// kernels/cpu/reference.h — a plain reference for every op: read this first.
//
// One free function per Backend op (engine/backend.h), with the same parameters as the Backend
// method but plain host pointers (memory, fill, axpy and mul are left out: nothing to explain),
// plus gemm() with the signature of kernels/cpu/gemm.h. Each is the most literal loop nest of
// the op's definition, summing in double: no OpenMP, no blocking, no im2col, no tricks. They say
// WHAT the ops compute; the CPU kernels (kernels/cpu/*.cpp) and the CUDA kernels (kernels/cuda/)
// say how to compute it fast. Tests compare the fast kernels with these
// (tests/test_cpu_reference.cpp), and these with PyTorch's vectors.
//
// Like the backends, "backward" functions overwrite their outputs. The functions are slow
// (conv3x3 is a 7-deep loop with bounds checks): for tests and for reading, never for training.
#pragma once
#include <cstddef>
#include <cstdint>

#include "engine/backend.h"

namespace mcseg::reference {

// C = alpha · op(A) · op(B) + beta · C, row-major with row strides lda, ldb, ldc (gemm.h).
void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc);

void conv3x3_forward(const Conv3x3Shape& s, const float* x, const float* weight, const float* bias,
                     float* y);
void conv3x3_backward_input(const Conv3x3Shape& s, const float* dy, const float* weight, float* dx);
void conv3x3_backward_weight(const Conv3x3Shape& s, const float* x, const float* dy, float* dweight,
                             float* dbias);

void maxpool2x2_forward(const Pool2x2Shape& s, const float* x, float* y);
void maxpool2x2_backward(const Pool2x2Shape& s, const float* x, const float* dy, float* dx);

void batchnorm_forward_train(const BatchNormShape& s, const float* x, const float* gamma,
                             const float* beta, float eps, float momentum, float* y,
                             float* save_mean, float* save_invstd, float* running_mean,
                             float* running_var);
void batchnorm_forward_eval(const BatchNormShape& s, const float* x, const float* gamma,
                            const float* beta, const float* running_mean, const float* running_var,
                            float eps, float* y);
void batchnorm_backward(const BatchNormShape& s, const float* x, const float* dy, const float* gamma,
                        const float* save_mean, const float* save_invstd, float* dx, float* dgamma,
                        float* dbeta);

void relu_forward(const float* x, float* y, size_t n);
void relu_backward(const float* y, const float* dy, float* dx, size_t n);
void dropout_mask(float* mask, size_t n, float p, uint64_t seed, uint64_t stream);

void linear_forward(const LinearShape& s, const float* x, const float* weight, const float* bias,
                    float* y);
void linear_backward_input(const LinearShape& s, const float* dy, const float* weight, float* dx);
void linear_backward_weight(const LinearShape& s, const float* x, const float* dy, float* dweight,
                            float* dbias);

void softmax_xent_forward(int n, int k, const float* logits, const float* labels, float* probs,
                          float* loss);
void softmax_xent_backward(int n, int k, const float* probs, const float* labels, const float* dloss,
                           float* dlogits);

void adam_step(size_t n, float* param, const float* grad, float* m, float* v, float lr, float beta1,
               float beta2, float eps, int64_t step);
void sgd_step(size_t n, float* param, const float* grad, float* velocity, float lr, float momentum);

}  // namespace mcseg::reference
