// kernels/cpu/gemm.h — the project's own single-precision matrix multiply for the CPU.
//
// Row-major: C[M×N] = alpha · op(A)[M×K] · op(B)[K×N] + beta · C, where op(X) is X or Xᵀ.
// lda/ldb/ldc are row strides (elements) of A, B and C as stored. The convolution (im2col),
// the linear layer and the CUDA emulation's cuBLAS stand-in all multiply through it.
#pragma once

namespace mcseg {

void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc);

}  // namespace mcseg
