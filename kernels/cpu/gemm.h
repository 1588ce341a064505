// kernels/cpu/gemm.h — the project's own single-precision matrix multiply for the CPU.
//
// Row-major: C[M×N] = alpha · op(A)[M×K] · op(B)[K×N] + beta · C, where op(X) is X or Xᵀ.
// lda/ldb/ldc are row strides (elements) of A, B and C as stored. The convolution (im2col),
// the linear layer and the CUDA emulation's cuBLAS stand-in all multiply through it.
#pragma once

namespace mcseg {

void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc);

// C[M×N] = A[M×K] · B, where row k of B is the N contiguous floats at B + row_offset[k]: an
// "implicit" product whose B is never formed. The 3×3 convolution reads its input image this
// way (kernels/cpu/conv3x3.cpp): row (ci, ky, kx) of its im2col matrix is the image shifted by
// (ky, kx), so it needs only an offset per row, not a copy. Runs on the calling thread.
void gemm_offset_rows(int M, int N, int K, const float* A, int lda, const float* B, const long* row_offset,
                      float* C, int ldc);

}  // namespace mcseg
