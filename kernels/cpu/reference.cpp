// kernels/cpu/reference.cpp — the plain reference ops (see reference.h): each function is the
// loop nest of its formula, written out with no optimisation, every sum accumulated in double.
// Tensors are NCHW and densely packed, as everywhere in the engine.
#include "kernels/cpu/reference.h"

#include <algorithm>
#include <cmath>

#include "engine/philox.h"

namespace mcseg::reference {

namespace {

// Offset of element [r, c] in a dense row-major matrix with `cols` columns.
size_t at(int r, int c, int cols) { return static_cast<size_t>(r) * cols + c; }

// Offset of element [a, b, c, d] in a dense array of shape [*, B, C, D].
size_t at(int a, int b, int c, int d, int B, int C, int D) {
    return ((static_cast<size_t>(a) * B + b) * C + c) * D + d;
}

// t[i, c, y, x] of a dense [*, C, H, W] array, or 0 when (y, x) lies outside the H×W image:
// the zero padding of the convolution.
double value_or_zero(const float* t, int i, int c, int y, int x, int C, int H, int W) {
    if (y < 0 || y >= H || x < 0 || x >= W) return 0.0;
    return t[at(i, c, y, x, C, H, W)];
}

// Offset, within one w-wide plane, of the maximum of the 2×2 window (oy, ox): the first maximum
// in row-major order (top-left, top-right, bottom-left, bottom-right), so ties go to the earliest.
size_t window_argmax(const float* plane, int w, int oy, int ox) {
    size_t best = at(2 * oy, 2 * ox, w);
    for (int dy = 0; dy < 2; ++dy)
        for (int dx = 0; dx < 2; ++dx) {
            const size_t here = at(2 * oy + dy, 2 * ox + dx, w);
            if (plane[here] > plane[best]) best = here;
        }
    return best;
}

// Offset of x[i, c, j] in a batch-norm input [n, c, hw].
size_t bn_at(const BatchNormShape& s, int i, int c, int j) {
    return (static_cast<size_t>(i) * s.c + c) * s.hw + j;
}

}  // namespace

// ---- matrix multiply ------------------------------------------------------------------------

// C[i, j] = alpha · Σ_k op(A)[i, k] · op(B)[k, j] + beta · C[i, j], op(X) = X or Xᵀ as stored.
// C is not read when beta == 0 (a NaN there does not survive), as BLAS promises.
void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc) {
    for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j) {
            double sum = 0.0;
            for (int k = 0; k < K; ++k) {
                const float a = trans_a ? A[at(k, i, lda)] : A[at(i, k, lda)];
                const float b = trans_b ? B[at(j, k, ldb)] : B[at(k, j, ldb)];
                sum += static_cast<double>(a) * b;
            }
            float& c = C[at(i, j, ldc)];
            c = static_cast<float>(alpha * sum + (beta == 0.0f ? 0.0 : static_cast<double>(beta) * c));
        }
}

// ---- conv3x3 ----------------------------------------------------------------------------------

// y[i, co, oy, ox] = bias[co] + Σ_{ci, ky, kx} weight[co, ci, ky, kx] · x[i, ci, oy+ky-pad, ox+kx-pad]
// with x = 0 outside the image (zero padding: pad 1 keeps the size, pad 0 shrinks it by 2);
// max(0, ·) of it when s.relu.
void conv3x3_forward(const Conv3x3Shape& s, const float* x, const float* weight, const float* bias,
                     float* y) {
    for (int i = 0; i < s.n; ++i)
        for (int co = 0; co < s.c_out; ++co)
            for (int oy = 0; oy < s.h_out(); ++oy)
                for (int ox = 0; ox < s.w_out(); ++ox) {
                    double sum = bias[co];
                    for (int ci = 0; ci < s.c_in; ++ci)
                        for (int ky = 0; ky < 3; ++ky)
                            for (int kx = 0; kx < 3; ++kx)
                                sum += weight[at(co, ci, ky, kx, s.c_in, 3, 3)] *
                                       value_or_zero(x, i, ci, oy + ky - s.pad, ox + kx - s.pad, s.c_in, s.h, s.w);
                    y[at(i, co, oy, ox, s.c_out, s.h_out(), s.w_out())] = static_cast<float>(s.relu && sum < 0 ? 0.0 : sum);
                }
}

// dx[i, ci, iy, ix] = Σ_{co, ky, kx} weight[co, ci, ky, kx] · dy[i, co, iy-ky+pad, ix-kx+pad]
// (dy = 0 outside the output): each output pixel that read x[i, ci, iy, ix] through tap (ky, kx)
// hands back its dy times that tap (a correlation of dy with the flipped kernel).
void conv3x3_backward_input(const Conv3x3Shape& s, const float* dy, const float* weight, float* dx) {
    for (int i = 0; i < s.n; ++i)
        for (int ci = 0; ci < s.c_in; ++ci)
            for (int iy = 0; iy < s.h; ++iy)
                for (int ix = 0; ix < s.w; ++ix) {
                    double sum = 0.0;
                    for (int co = 0; co < s.c_out; ++co)
                        for (int ky = 0; ky < 3; ++ky)
                            for (int kx = 0; kx < 3; ++kx)
                                sum += weight[at(co, ci, ky, kx, s.c_in, 3, 3)] *
                                       value_or_zero(dy, i, co, iy - ky + s.pad, ix - kx + s.pad, s.c_out,
                                                     s.h_out(), s.w_out());
                    dx[at(i, ci, iy, ix, s.c_in, s.h, s.w)] = static_cast<float>(sum);
                }
}

// dweight[co, ci, ky, kx] = Σ_{i, oy, ox} dy[i, co, oy, ox] · x[i, ci, oy+ky-pad, ox+kx-pad];
// dbias[co] = Σ_{i, oy, ox} dy[i, co, oy, ox].
void conv3x3_backward_weight(const Conv3x3Shape& s, const float* x, const float* dy, float* dweight,
                             float* dbias) {
    for (int co = 0; co < s.c_out; ++co) {
        for (int ci = 0; ci < s.c_in; ++ci)
            for (int ky = 0; ky < 3; ++ky)
                for (int kx = 0; kx < 3; ++kx) {
                    double sum = 0.0;
                    for (int i = 0; i < s.n; ++i)
                        for (int oy = 0; oy < s.h_out(); ++oy)
                            for (int ox = 0; ox < s.w_out(); ++ox)
                                sum += dy[at(i, co, oy, ox, s.c_out, s.h_out(), s.w_out())] *
                                       value_or_zero(x, i, ci, oy + ky - s.pad, ox + kx - s.pad, s.c_in, s.h, s.w);
                    dweight[at(co, ci, ky, kx, s.c_in, 3, 3)] = static_cast<float>(sum);
                }
        double sum = 0.0;
        for (int i = 0; i < s.n; ++i)
            for (int oy = 0; oy < s.h_out(); ++oy)
                for (int ox = 0; ox < s.w_out(); ++ox) sum += dy[at(i, co, oy, ox, s.c_out, s.h_out(), s.w_out())];
        dbias[co] = static_cast<float>(sum);
    }
}

// ---- max-pool 2×2 -------------------------------------------------------------------------------

// y[i, c, oy, ox] = max of the window x[i, c, 2oy..2oy+1, 2ox..2ox+1]. h_out = h/2 rounded down:
// an odd last row or column belongs to no window.
void maxpool2x2_forward(const Pool2x2Shape& s, const float* x, float* y) {
    for (int i = 0; i < s.n; ++i)
        for (int c = 0; c < s.c; ++c) {
            const float* plane = x + at(i, c, 0, 0, s.c, s.h, s.w);
            for (int oy = 0; oy < s.h_out(); ++oy)
                for (int ox = 0; ox < s.w_out(); ++ox)
                    y[at(i, c, oy, ox, s.c, s.h_out(), s.w_out())] = plane[window_argmax(plane, s.w, oy, ox)];
        }
}

// dx = 0, except at each window's argmax (its first maximum in row-major order), which gets the
// window's dy. Pixels of a dropped odd row or column stay 0.
void maxpool2x2_backward(const Pool2x2Shape& s, const float* x, const float* dy, float* dx) {
    std::fill(dx, dx + static_cast<size_t>(s.n) * s.c * s.h * s.w, 0.0f);
    for (int i = 0; i < s.n; ++i)
        for (int c = 0; c < s.c; ++c) {
            const size_t plane = at(i, c, 0, 0, s.c, s.h, s.w);
            for (int oy = 0; oy < s.h_out(); ++oy)
                for (int ox = 0; ox < s.w_out(); ++ox)
                    dx[plane + window_argmax(x + plane, s.w, oy, ox)] = dy[at(i, c, oy, ox, s.c, s.h_out(), s.w_out())];
        }
}

// ---- batch norm ---------------------------------------------------------------------------------

// Per channel c, over its M = n·hw values: mean μ = Σ x / M, biased variance σ² = Σ (x-μ)² / M,
// y = γ·(x - μ)/sqrt(σ² + eps) + β. Saves μ and invstd = 1/sqrt(σ² + eps) for backward, and moves
// the running stats: running = (1-momentum)·running + momentum·stat (variance unbiased: σ²·M/(M-1)).
void batchnorm_forward_train(const BatchNormShape& s, const float* x, const float* gamma,
                             const float* beta, float eps, float momentum, float* y,
                             float* save_mean, float* save_invstd, float* running_mean,
                             float* running_var) {
    const double M = static_cast<double>(s.n) * s.hw;
    for (int c = 0; c < s.c; ++c) {
        double sum = 0.0;
        for (int i = 0; i < s.n; ++i)
            for (int j = 0; j < s.hw; ++j) sum += x[bn_at(s, i, c, j)];
        const double mean = sum / M;
        double sq = 0.0;
        for (int i = 0; i < s.n; ++i)
            for (int j = 0; j < s.hw; ++j) {
                const double d = x[bn_at(s, i, c, j)] - mean;
                sq += d * d;
            }
        const double var = sq / M, invstd = 1.0 / std::sqrt(var + eps);
        for (int i = 0; i < s.n; ++i)
            for (int j = 0; j < s.hw; ++j)
                y[bn_at(s, i, c, j)] = static_cast<float>(gamma[c] * (x[bn_at(s, i, c, j)] - mean) * invstd + beta[c]);
        save_mean[c] = static_cast<float>(mean);
        save_invstd[c] = static_cast<float>(invstd);
        running_mean[c] = static_cast<float>((1.0 - momentum) * running_mean[c] + momentum * mean);
        running_var[c] = static_cast<float>((1.0 - momentum) * running_var[c] + momentum * var * M / (M - 1));
    }
}

// y = γ·(x - running_mean)/sqrt(running_var + eps) + β, per channel; the running stats are read only.
void batchnorm_forward_eval(const BatchNormShape& s, const float* x, const float* gamma,
                            const float* beta, const float* running_mean, const float* running_var,
                            float eps, float* y) {
    for (int c = 0; c < s.c; ++c) {
        const double mean = running_mean[c], stddev = std::sqrt(static_cast<double>(running_var[c]) + eps);
        for (int i = 0; i < s.n; ++i)
            for (int j = 0; j < s.hw; ++j)
                y[bn_at(s, i, c, j)] = static_cast<float>(gamma[c] * (x[bn_at(s, i, c, j)] - mean) / stddev + beta[c]);
    }
}

// Per channel, with x̂ = (x - μ)·invstd (μ and invstd as saved by forward_train) and M = n·hw:
//   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ·invstd·(dy - dβ/M - x̂·dγ/M)
// (the chain rule through x̂, μ and σ², gathered into the usual closed form).
void batchnorm_backward(const BatchNormShape& s, const float* x, const float* dy, const float* gamma,
                        const float* save_mean, const float* save_invstd, float* dx, float* dgamma,
                        float* dbeta) {
    const double M = static_cast<double>(s.n) * s.hw;
    for (int c = 0; c < s.c; ++c) {
        const double mean = save_mean[c], invstd = save_invstd[c];
        double sum_dy = 0.0, sum_dy_xhat = 0.0;
        for (int i = 0; i < s.n; ++i)
            for (int j = 0; j < s.hw; ++j) {
                sum_dy += dy[bn_at(s, i, c, j)];
                sum_dy_xhat += dy[bn_at(s, i, c, j)] * (x[bn_at(s, i, c, j)] - mean) * invstd;
            }
        for (int i = 0; i < s.n; ++i)
            for (int j = 0; j < s.hw; ++j) {
                const double xhat = (x[bn_at(s, i, c, j)] - mean) * invstd;
                dx[bn_at(s, i, c, j)] = static_cast<float>(
                    gamma[c] * invstd * (dy[bn_at(s, i, c, j)] - sum_dy / M - xhat * sum_dy_xhat / M));
            }
        dgamma[c] = static_cast<float>(sum_dy_xhat);
        dbeta[c] = static_cast<float>(sum_dy);
    }
}

// ---- ReLU and dropout ---------------------------------------------------------------------------

// y = x < 0 ? 0 : x — written so that a NaN passes through (as in PyTorch), never becomes 0.
void relu_forward(const float* x, float* y, size_t n) {
    for (size_t i = 0; i < n; ++i) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

// dx = y > 0 ? dy : 0, from the forward OUTPUT y (y > 0 exactly where x > 0).
void relu_backward(const float* y, const float* dy, float* dx, size_t n) {
    for (size_t i = 0; i < n; ++i) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

// Inverted dropout: mask[i] = (u_i >= p) / (1 - p) with u_i = philox_uniform_at(seed, stream, i),
// so a unit is kept with probability 1 - p, and scaled so that the mask's mean is 1.
void dropout_mask(float* mask, size_t n, float p, uint64_t seed, uint64_t stream) {
    for (size_t i = 0; i < n; ++i) mask[i] = (philox_uniform_at(seed, stream, i) >= p ? 1.0f : 0.0f) / (1.0f - p);
}

// ---- linear (PyTorch's layout: weight [out, in]) ------------------------------------------------

// y[i, o] = bias[o] + Σ_k x[i, k] · weight[o, k]
void linear_forward(const LinearShape& s, const float* x, const float* weight, const float* bias,
                    float* y) {
    for (int i = 0; i < s.n; ++i)
        for (int o = 0; o < s.out; ++o) {
            double sum = bias[o];
            for (int k = 0; k < s.in; ++k) sum += static_cast<double>(x[at(i, k, s.in)]) * weight[at(o, k, s.in)];
            y[at(i, o, s.out)] = static_cast<float>(sum);
        }
}

// dx[i, k] = Σ_o dy[i, o] · weight[o, k]
void linear_backward_input(const LinearShape& s, const float* dy, const float* weight, float* dx) {
    for (int i = 0; i < s.n; ++i)
        for (int k = 0; k < s.in; ++k) {
            double sum = 0.0;
            for (int o = 0; o < s.out; ++o) sum += static_cast<double>(dy[at(i, o, s.out)]) * weight[at(o, k, s.in)];
            dx[at(i, k, s.in)] = static_cast<float>(sum);
        }
}

// dweight[o, k] = Σ_i dy[i, o] · x[i, k];  dbias[o] = Σ_i dy[i, o]
void linear_backward_weight(const LinearShape& s, const float* x, const float* dy, float* dweight,
                            float* dbias) {
    for (int o = 0; o < s.out; ++o) {
        for (int k = 0; k < s.in; ++k) {
            double sum = 0.0;
            for (int i = 0; i < s.n; ++i) sum += static_cast<double>(dy[at(i, o, s.out)]) * x[at(i, k, s.in)];
            dweight[at(o, k, s.in)] = static_cast<float>(sum);
        }
        double sum = 0.0;
        for (int i = 0; i < s.n; ++i) sum += dy[at(i, o, s.out)];
        dbias[o] = static_cast<float>(sum);
    }
}

// ---- softmax + cross-entropy ----------------------------------------------------------------------

// Row by row (logits z [n, k], labels holding class indices as floats): m = max_j z[i, j],
// probs[i, j] = exp(z[i, j] - m) / Σ_j exp(z[i, j] - m) (the shift only keeps exp from overflowing);
// loss[0] = mean over i of -log probs[i, label_i] = log Σ_j exp(z[i, j] - m) - (z[i, label_i] - m).
void softmax_xent_forward(int n, int k, const float* logits, const float* labels, float* probs,
                          float* loss) {
    double total = 0.0;
    for (int i = 0; i < n; ++i) {
        const float* z = logits + at(i, 0, k);
        const double m = *std::max_element(z, z + k);
        double sum = 0.0;
        for (int j = 0; j < k; ++j) sum += std::exp(z[j] - m);
        for (int j = 0; j < k; ++j) probs[at(i, j, k)] = static_cast<float>(std::exp(z[j] - m) / sum);
        total += std::log(sum) - (z[static_cast<int>(labels[i])] - m);
    }
    loss[0] = static_cast<float>(total / n);
}

// dlogits[i, j] = dloss[0] · (probs[i, j] - [j == label_i]) / n
void softmax_xent_backward(int n, int k, const float* probs, const float* labels, const float* dloss,
                           float* dlogits) {
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < k; ++j) {
            const size_t ij = at(i, j, k);
            const double onehot = j == static_cast<int>(labels[i]) ? 1.0 : 0.0;
            dlogits[ij] = static_cast<float>(static_cast<double>(dloss[0]) * (probs[ij] - onehot) / n);
        }
}

// ---- optimisers (in place) ------------------------------------------------------------------------

// Adam (Kingma & Ba, Algorithm 1), step t counting from 1:
//   m = β1·m + (1-β1)·g,  v = β2·v + (1-β2)·g²,
//   param -= lr · m̂ / (sqrt(v̂) + eps)  with  m̂ = m / (1-β1^t),  v̂ = v / (1-β2^t).
void adam_step(size_t n, float* param, const float* grad, float* m, float* v, float lr, float beta1,
               float beta2, float eps, int64_t step) {
    const double t = static_cast<double>(step);
    for (size_t i = 0; i < n; ++i) {
        const double g = grad[i];
        const double mi = beta1 * static_cast<double>(m[i]) + (1.0 - beta1) * g;
        const double vi = beta2 * static_cast<double>(v[i]) + (1.0 - beta2) * g * g;
        const double m_hat = mi / (1.0 - std::pow(beta1, t)), v_hat = vi / (1.0 - std::pow(beta2, t));
        m[i] = static_cast<float>(mi);
        v[i] = static_cast<float>(vi);
        param[i] = static_cast<float>(param[i] - lr * m_hat / (std::sqrt(v_hat) + eps));
    }
}

// SGD with momentum: velocity = momentum·velocity + g, param -= lr·velocity. With no velocity
// (allowed when momentum is 0): param -= lr·g.
void sgd_step(size_t n, float* param, const float* grad, float* velocity, float lr, float momentum) {
    for (size_t i = 0; i < n; ++i) {
        double step = grad[i];
        if (velocity) {
            step = static_cast<double>(momentum) * velocity[i] + grad[i];
            velocity[i] = static_cast<float>(step);
        }
        param[i] = static_cast<float>(param[i] - lr * step);
    }
}

}  // namespace mcseg::reference
