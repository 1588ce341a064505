// kernels/cpu/gemm.cpp — reference implementation of gemm() (see gemm.h).
//
// A plain triple loop in i-k-j order so the innermost loop walks rows of B and C contiguously
// and vectorises; rows of C are spread over the OpenMP threads.
#include "kernels/cpu/gemm.h"

namespace mcseg {

void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc) {
#pragma omp parallel for schedule(static)
    for (int i = 0; i < M; ++i) {
        float* c = C + static_cast<long>(i) * ldc;
        for (int j = 0; j < N; ++j) c[j] = beta == 0.0f ? 0.0f : beta * c[j];
        for (int k = 0; k < K; ++k) {
            float a = alpha * (trans_a ? A[static_cast<long>(k) * lda + i] : A[static_cast<long>(i) * lda + k]);
            if (trans_b) {
                for (int j = 0; j < N; ++j) c[j] += a * B[static_cast<long>(j) * ldb + k];
            } else {
                const float* b = B + static_cast<long>(k) * ldb;
                for (int j = 0; j < N; ++j) c[j] += a * b[j];
            }
        }
    }
}

}  // namespace mcseg
