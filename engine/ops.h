// engine/ops.h — the differentiable operations the paper's network needs.
//
// Each op checks its arguments (an mcseg::Error names the op and the shapes), allocates its
// output on the input's device, runs the kernel of that device's Backend (engine/backend.h) and,
// when gradients are being recorded, puts its backward closure on the tape (engine/tensor.h).
// All inputs of one op must live on the same device.
#pragma once
#include <cstdint>

#include "engine/tensor.h"

namespace mcseg::ops {

// 3×3 convolution, stride 1. x [n, c_in, h, w], weight [c_out, c_in, 3, 3], bias [c_out];
// pad 1 = "same", pad 0 = "valid".
Tensor conv3x3(const Tensor& x, const Tensor& weight, const Tensor& bias, int pad);
// relu(conv3x3(x, weight, bias, pad)) in one pass over the output (inference's folded layers).
Tensor conv3x3_relu(const Tensor& x, const Tensor& weight, const Tensor& bias, int pad);

// 2×2 max-pool, stride 2; odd sizes floor (7 -> 3).
Tensor maxpool2x2(const Tensor& x);

// Batch norm over the channels of x [n, c, h, w] (BatchNorm2d) or x [n, c] (BatchNorm1d).
// training: batch statistics, running stats updated in place (PyTorch's rule, unbiased variance).
// eval: running statistics, left unchanged; differentiable like PyTorch's eval mode (the
// running statistics are constants).
Tensor batchnorm(const Tensor& x, const Tensor& gamma, const Tensor& beta, Tensor& running_mean,
                 Tensor& running_var, bool training, float momentum, float eps);

Tensor relu(const Tensor& x);

// Inverted dropout with the Philox mask of engine/backend.h (seed, stream); identity (returns x)
// when !training. 0 <= p < 1.
Tensor dropout(const Tensor& x, float p, uint64_t seed, uint64_t stream, bool training);

// y = x * mask elementwise, the mask a constant (an injected dropout mask, e.g. from PyTorch).
Tensor mul_mask(const Tensor& x, const Tensor& mask);

// y = a + b, same shapes.
Tensor add(const Tensor& a, const Tensor& b);

// x [n, in], weight [out, in] (PyTorch's layout), bias [out] -> [n, out].
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);

// [n, ...] -> [n, rest] (a view).
Tensor flatten(const Tensor& x);

// Mean over the batch of -log softmax(logits)[label]. logits [n, k], labels [n] holding class
// indices 0..k-1 as floats. Returns a [1] tensor; *probs (if given) receives the softmax [n, k].
Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& labels, Tensor* probs = nullptr);

}  // namespace mcseg::ops
