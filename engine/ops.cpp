// engine/ops.cpp — argument checks, output allocation, kernel dispatch and backward closures of
// the ops in engine/ops.h. The arithmetic itself lives in the backends (kernels/cpu, kernels/cuda).
//
// Backward closures capture the tensors they need (inputs, saved statistics, masks) by handle;
// the op's own output reaches them as the `out` argument instead of a capture, so no tensor ever
// owns a closure that owns the tensor (no reference cycle).
#include "engine/ops.h"

#include "engine/error.h"

namespace mcseg::ops {

namespace {

void need_defined(const Tensor& t, const char* op, const char* what) {
    if (!t.defined()) fail(op, ": ", what, " is undefined");
}

void need_rank(const Tensor& t, int rank, const char* op, const char* what) {
    need_defined(t, op, what);
    if (t.rank() != rank)
        fail(op, ": ", what, " must have rank ", rank, ", got shape ", shape_str(t.shape()));
}

void same_device(const Tensor& a, const Tensor& b, const char* op) {
    if (a.device() != b.device())
        fail(op, ": tensors on different devices (", device_name(a.device()), " and ",
             device_name(b.device()), ")");
}

}  // namespace

namespace {

// conv3x3 and conv3x3_relu: y = conv(x) + bias, through max(0, ·) when relu. The backward of the
// fused form first passes dy through the ReLU's mask (where y > 0), then runs the convolution's.
Tensor conv3x3_op(const Tensor& x, const Tensor& weight, const Tensor& bias, int pad, bool relu) {
    const char* name = relu ? "conv3x3_relu" : "conv3x3";
    need_rank(x, 4, name, "input");
    need_rank(weight, 4, name, "weight");
    need_rank(bias, 1, name, "bias");
    same_device(x, weight, name);
    same_device(x, bias, name);
    if (pad != 0 && pad != 1) fail(name, ": pad must be 0 (valid) or 1 (same), got ", pad);
    Conv3x3Shape s{x.dim(0), x.dim(1), x.dim(2), x.dim(3), weight.dim(0), pad, relu};
    if (weight.shape() != std::vector<int>{s.c_out, s.c_in, 3, 3} || bias.dim(0) != s.c_out)
        fail(name, ": input ", shape_str(x.shape()), " needs weight [c_out, ", s.c_in,
             ", 3, 3] and bias [c_out], got weight ", shape_str(weight.shape()), " and bias ",
             shape_str(bias.shape()));
    if (s.h_out() < 1 || s.w_out() < 1)
        fail(name, ": input ", shape_str(x.shape()), " is too small for a 3x3 kernel with pad ", pad);

    Tensor y = Tensor::empty({s.n, s.c_out, s.h_out(), s.w_out()}, x.device());
    x.backend().conv3x3_forward(s, x.data(), weight.data(), bias.data(), y.data());
    record(y, name, {x, weight, bias}, [x, weight, s](const Tensor& out, const Tensor& dy_out) {
        Backend& b = dy_out.backend();
        Tensor dy = dy_out;
        if (s.relu) {
            dy = Tensor::empty(out.shape(), out.device());
            b.relu_backward(out.data(), dy_out.data(), dy.data(), dy.numel());
        }
        std::vector<Tensor> g(3);
        if (x.requires_grad()) {
            g[0] = Tensor::empty(x.shape(), x.device());
            b.conv3x3_backward_input(s, dy.data(), weight.data(), g[0].data());
        }
        if (weight.requires_grad()) {  // the bias gradient comes with it
            g[1] = Tensor::empty(weight.shape(), x.device());
            g[2] = Tensor::empty({s.c_out}, x.device());
            b.conv3x3_backward_weight(s, x.data(), dy.data(), g[1].data(), g[2].data());
        }
        return g;
    });
    return y;
}

}  // namespace

Tensor conv3x3(const Tensor& x, const Tensor& weight, const Tensor& bias, int pad) {
    return conv3x3_op(x, weight, bias, pad, false);
}

Tensor conv3x3_relu(const Tensor& x, const Tensor& weight, const Tensor& bias, int pad) {
    return conv3x3_op(x, weight, bias, pad, true);
}

Tensor maxpool2x2(const Tensor& x) {
    need_rank(x, 4, "maxpool2x2", "input");
    Pool2x2Shape s{x.dim(0), x.dim(1), x.dim(2), x.dim(3)};
    if (s.h_out() < 1 || s.w_out() < 1)
        fail("maxpool2x2: input ", shape_str(x.shape()), " is smaller than the 2x2 window");
    Tensor y = Tensor::empty({s.n, s.c, s.h_out(), s.w_out()}, x.device());
    x.backend().maxpool2x2_forward(s, x.data(), y.data());
    record(y, "maxpool2x2", {x}, [x, s](const Tensor&, const Tensor& dy) {
        Tensor dx = Tensor::empty(x.shape(), x.device());
        dy.backend().maxpool2x2_backward(s, x.data(), dy.data(), dx.data());
        return std::vector<Tensor>{dx};
    });
    return y;
}

Tensor batchnorm(const Tensor& x, const Tensor& gamma, const Tensor& beta, Tensor& running_mean,
                 Tensor& running_var, bool training, float momentum, float eps) {
    need_defined(x, "batchnorm", "input");
    if (x.rank() != 2 && x.rank() != 4)
        fail("batchnorm: input must be [n, c] or [n, c, h, w], got ", shape_str(x.shape()));
    BatchNormShape s{x.dim(0), x.dim(1), x.rank() == 4 ? x.dim(2) * x.dim(3) : 1};
    const std::vector<int> per_channel{s.c};
    for (const Tensor* t : std::initializer_list<const Tensor*>{&gamma, &beta, &running_mean, &running_var}) {
        need_defined(*t, "batchnorm", "a parameter or running statistic");
        same_device(x, *t, "batchnorm");
        if (t->shape() != per_channel)
            fail("batchnorm: input ", shape_str(x.shape()), " needs per-channel tensors of shape ",
                 shape_str(per_channel), ", got ", shape_str(t->shape()));
    }
    if (!(eps > 0.0f)) fail("batchnorm: eps must be positive, got ", eps);
    Backend& b = x.backend();
    Tensor y = Tensor::empty(x.shape(), x.device());
    if (!training) {
        b.batchnorm_forward_eval(s, x.data(), gamma.data(), beta.data(), running_mean.data(),
                                 running_var.data(), eps, y.data());
        // Eval mode is the per-channel affine map y = γ·(x - μ)·invstd + β with constants μ and
        // invstd = 1/sqrt(σ² + eps) (the running stats, copied now so a later training step
        // cannot change them under this backward). Its backward is composed of backend calls:
        //   dx = dy·γ·invstd            — the eval forward applied to dy with β = μ = 0;
        //   dγ = Σ dy·x̂, dβ = Σ dy      — the same sums as training mode's backward, given μ and
        //                                  invstd (whose dx, different in training mode, is unused);
        //   invstd itself               — the eval forward of ones with γ = 1, β = μ = 0.
        record(y, "batchnorm (eval)", {x, gamma, beta},
               [x, gamma, mean = running_mean.clone(), var = running_var.clone(), eps, s](
                   const Tensor&, const Tensor& dy) {
                   Backend& b = dy.backend();
                   const Device d = dy.device();
                   Tensor ones = Tensor::full({s.c}, 1.0f, d), zeros = Tensor::zeros({s.c}, d);
                   Tensor invstd = Tensor::empty({s.c}, d);
                   b.batchnorm_forward_eval({1, s.c, 1}, ones.data(), ones.data(), zeros.data(),
                                            zeros.data(), var.data(), eps, invstd.data());
                   std::vector<Tensor> g{Tensor::empty(x.shape(), d), Tensor::empty({s.c}, d),
                                         Tensor::empty({s.c}, d)};
                   Tensor unused = Tensor::empty(x.shape(), d);
                   b.batchnorm_backward(s, x.data(), dy.data(), gamma.data(), mean.data(), invstd.data(),
                                        unused.data(), g[1].data(), g[2].data());
                   b.batchnorm_forward_eval(s, dy.data(), gamma.data(), zeros.data(), zeros.data(),
                                            var.data(), eps, g[0].data());
                   return g;
               });
        return y;
    }
    if (static_cast<long>(s.n) * s.hw < 2)
        fail("batchnorm: training needs more than one value per channel, got input ",
             shape_str(x.shape()));
    if (momentum < 0.0f || momentum > 1.0f) fail("batchnorm: momentum must be in [0, 1], got ", momentum);
    Tensor mean = Tensor::empty(per_channel, x.device());
    Tensor invstd = Tensor::empty(per_channel, x.device());
    b.batchnorm_forward_train(s, x.data(), gamma.data(), beta.data(), eps, momentum, y.data(),
                              mean.data(), invstd.data(), running_mean.data(), running_var.data());
    record(y, "batchnorm", {x, gamma, beta},
           [x, gamma, mean, invstd, s](const Tensor&, const Tensor& dy) {
               std::vector<Tensor> g{Tensor::empty(x.shape(), x.device()),
                                     Tensor::empty({s.c}, x.device()),
                                     Tensor::empty({s.c}, x.device())};
               dy.backend().batchnorm_backward(s, x.data(), dy.data(), gamma.data(), mean.data(),
                                               invstd.data(), g[0].data(), g[1].data(), g[2].data());
               return g;
           });
    return y;
}

Tensor relu(const Tensor& x) {
    need_defined(x, "relu", "input");
    Tensor y = Tensor::empty(x.shape(), x.device());
    x.backend().relu_forward(x.data(), y.data(), x.numel());
    record(y, "relu", {x}, [](const Tensor& out, const Tensor& dy) {
        Tensor dx = Tensor::empty(out.shape(), out.device());
        dy.backend().relu_backward(out.data(), dy.data(), dx.data(), dx.numel());
        return std::vector<Tensor>{dx};
    });
    return y;
}

Tensor mul_mask(const Tensor& x, const Tensor& mask) {
    need_defined(x, "mul_mask", "input");
    need_defined(mask, "mul_mask", "mask");
    same_device(x, mask, "mul_mask");
    if (x.shape() != mask.shape())
        fail("mul_mask: input ", shape_str(x.shape()), " and mask ", shape_str(mask.shape()),
             " differ in shape");
    Tensor y = Tensor::empty(x.shape(), x.device());
    x.backend().mul(y.data(), x.data(), mask.data(), x.numel());
    record(y, "mul_mask", {x}, [mask](const Tensor&, const Tensor& dy) {
        Tensor dx = Tensor::empty(dy.shape(), dy.device());
        dy.backend().mul(dx.data(), dy.data(), mask.data(), dx.numel());
        return std::vector<Tensor>{dx};
    });
    return y;
}

Tensor dropout(const Tensor& x, float p, uint64_t seed, uint64_t stream, bool training) {
    need_defined(x, "dropout", "input");
    if (!(p >= 0.0f && p < 1.0f)) fail("dropout: p must be in [0, 1), got ", p);
    if (!training) return x;
    Tensor mask = Tensor::empty(x.shape(), x.device());
    x.backend().dropout_mask(mask.data(), mask.numel(), p, seed, stream);
    return mul_mask(x, mask);
}

Tensor add(const Tensor& a, const Tensor& b) {
    need_defined(a, "add", "first operand");
    need_defined(b, "add", "second operand");
    same_device(a, b, "add");
    if (a.shape() != b.shape())
        fail("add: shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()), " differ");
    Tensor y = a.clone();
    y.backend().axpy(y.data(), b.data(), y.numel(), 1.0f);
    record(y, "add", {a, b}, [a, b](const Tensor&, const Tensor& dy) {
        return std::vector<Tensor>{a.requires_grad() ? dy.clone() : Tensor(),
                                   b.requires_grad() ? dy.clone() : Tensor()};
    });
    return y;
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
    need_rank(x, 2, "linear", "input");
    need_rank(weight, 2, "linear", "weight");
    need_rank(bias, 1, "linear", "bias");
    same_device(x, weight, "linear");
    same_device(x, bias, "linear");
    LinearShape s{x.dim(0), x.dim(1), weight.dim(0)};
    if (weight.dim(1) != s.in || bias.dim(0) != s.out)
        fail("linear: input ", shape_str(x.shape()), " needs weight [out, ", s.in,
             "] and bias [out], got weight ", shape_str(weight.shape()), " and bias ",
             shape_str(bias.shape()));
    Tensor y = Tensor::empty({s.n, s.out}, x.device());
    x.backend().linear_forward(s, x.data(), weight.data(), bias.data(), y.data());
    record(y, "linear", {x, weight, bias}, [x, weight, s](const Tensor&, const Tensor& dy) {
        Backend& b = dy.backend();
        std::vector<Tensor> g(3);
        if (x.requires_grad()) {
            g[0] = Tensor::empty(x.shape(), x.device());
            b.linear_backward_input(s, dy.data(), weight.data(), g[0].data());
        }
        if (weight.requires_grad()) {
            g[1] = Tensor::empty(weight.shape(), x.device());
            g[2] = Tensor::empty({s.out}, x.device());
            b.linear_backward_weight(s, x.data(), dy.data(), g[1].data(), g[2].data());
        }
        return g;
    });
    return y;
}

Tensor flatten(const Tensor& x) {
    need_defined(x, "flatten", "input");
    return x.reshape({x.dim(0), static_cast<int>(x.numel() / x.dim(0))});
}

Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& labels, Tensor* probs) {
    need_rank(logits, 2, "softmax_cross_entropy", "logits");
    need_rank(labels, 1, "softmax_cross_entropy", "labels");
    same_device(logits, labels, "softmax_cross_entropy");
    int n = logits.dim(0), k = logits.dim(1);
    if (labels.dim(0) != n)
        fail("softmax_cross_entropy: logits ", shape_str(logits.shape()), " need labels [", n,
             "], got ", shape_str(labels.shape()));
    Tensor p = Tensor::empty({n, k}, logits.device());
    Tensor loss = Tensor::empty({1}, logits.device());
    logits.backend().softmax_xent_forward(n, k, logits.data(), labels.data(), p.data(), loss.data());
    record(loss, "softmax_cross_entropy", {logits}, [p, labels, n, k](const Tensor&, const Tensor& dloss) {
        Tensor dlogits = Tensor::empty({n, k}, p.device());
        dloss.backend().softmax_xent_backward(n, k, p.data(), labels.data(), dloss.data(),
                                              dlogits.data());
        return std::vector<Tensor>{dlogits};
    });
    if (probs) *probs = p;
    return loss;
}

}  // namespace mcseg::ops
