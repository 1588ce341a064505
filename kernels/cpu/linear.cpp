// kernels/cpu/linear.cpp — fully connected layer in PyTorch's layout, through gemm():
//   forward          y[n, out]    = x[n, in] · W[out, in]ᵀ + b
//   backward input   dx[n, in]    = dy[n, out] · W
//   backward weight  dW[out, in]  = dy[n, out]ᵀ · x,   db = Σ_n dy
#include "kernels/cpu/cpu_backend.h"
#include "kernels/cpu/gemm.h"

namespace mcseg {

void CpuBackend::linear_forward(const LinearShape& s, const float* x, const float* weight,
                                const float* bias, float* y) {
    for (int i = 0; i < s.n; ++i)
        for (int o = 0; o < s.out; ++o) y[static_cast<long>(i) * s.out + o] = bias[o];
    gemm(false, true, s.n, s.out, s.in, 1.0f, x, s.in, weight, s.in, 1.0f, y, s.out);
}

void CpuBackend::linear_backward_input(const LinearShape& s, const float* dy, const float* weight,
                                       float* dx) {
    gemm(false, false, s.n, s.in, s.out, 1.0f, dy, s.out, weight, s.in, 0.0f, dx, s.in);
}

void CpuBackend::linear_backward_weight(const LinearShape& s, const float* x, const float* dy,
                                        float* dweight, float* dbias) {
    gemm(true, false, s.out, s.in, s.n, 1.0f, dy, s.out, x, s.in, 0.0f, dweight, s.in);
    for (int o = 0; o < s.out; ++o) {
        double sum = 0.0;
        for (int i = 0; i < s.n; ++i) sum += dy[static_cast<long>(i) * s.out + o];
        dbias[o] = static_cast<float>(sum);
    }
}

}  // namespace mcseg
