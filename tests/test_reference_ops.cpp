// tests/test_reference_ops.cpp — every op of engine/ops.h against PyTorch 1.13, forward and
// backward, on the vectors of tests/reference/ops_*.safetensors (make_reference.py).
//
// Tolerance for single ops: atol 1e-5 + rtol 1e-4. Both sides compute in float32 but sum in a
// different order (our blocked gemm vs PyTorch's mkldnn/im2col, our batch-norm reductions vs
// ATen's); a sum of K terms of size ~1 then differs by ~√K·6e-8 typically and K·6e-8 at worst,
// i.e. ≤ 2e-5 relative for the largest K here (288 products in conv, 300 in linear, ~100 in
// batch norm statistics). Values are O(1), so atol 1e-5 covers results that cancel to near 0
// (batch-norm input gradients, conv outputs near 0) and rtol 1e-4 the rest with 5x margin.
// Elementwise ops (relu, max-pool, the dropout mask) must match exactly: they only select or
// scale by exact powers of two.
#include <doctest/doctest.h>

#include "tests/test_reference_common.h"

using namespace mcseg;
using namespace mcseg::reftest;

namespace {

const Tolerance kSum{1e-5, 1e-4};   // ops that add products in some order
const Tolerance kExact{0.0, 0.0};   // ops that only select or scale exactly

}  // namespace

TEST_CASE("reference: conv3x3 and conv3x3_relu same/valid, odd/even, batch 1..3, forward and backward") {
    const SafeTensorsFile f = load_reference("ops_conv3x3.safetensors");
    for (const char* c : {"same_odd_b1", "same_even_b2", "valid_odd_b3", "valid_even_b1", "same_width32_b2", "same_1ch_b2",
                          "relu_same_b2", "relu_valid_b1"}) {
        const std::string p = std::string(c) + ".";
        CAPTURE(c);
        Tensor x = leaf(f.tensor(p + "x")), w = leaf(f.tensor(p + "weight")), b = leaf(f.tensor(p + "bias"));
        const int pad = static_cast<int>(f.tensor(p + "pad").item());
        Tensor y = f.tensor(p + "relu").item() != 0 ? ops::conv3x3_relu(x, w, b, pad) : ops::conv3x3(x, w, b, pad);
        check_close(p + "y", y, f.tensor(p + "y"), kSum);
        weighted_sum(y, f.tensor(p + "dy")).backward();
        check_close(p + "dx", x.grad(), f.tensor(p + "dx"), kSum);
        check_close(p + "dweight", w.grad(), f.tensor(p + "dweight"), kSum);
        check_close(p + "dbias", b.grad(), f.tensor(p + "dbias"), kSum);
    }
}

TEST_CASE("reference: maxpool2x2 even and odd sizes (floor), forward and backward") {
    const SafeTensorsFile f = load_reference("ops_maxpool2x2.safetensors");
    for (const char* c : {"even_b2", "odd_b1", "odd_b3", "even_rect_b1"}) {
        const std::string p = std::string(c) + ".";
        CAPTURE(c);
        Tensor x = leaf(f.tensor(p + "x"));
        Tensor y = ops::maxpool2x2(x);
        check_close(p + "y", y, f.tensor(p + "y"), kExact);
        weighted_sum(y, f.tensor(p + "dy")).backward();
        check_close(p + "dx", x.grad(), f.tensor(p + "dx"), kExact);
    }
}

TEST_CASE("reference: batchnorm 2d and 1d, train (with running stats) and eval") {
    const SafeTensorsFile f = load_reference("ops_batchnorm.safetensors");
    for (const char* c : {"bn2d_train_b4", "bn2d_train_b1", "bn2d_eval_b2", "bn1d_train_b6", "bn1d_eval_b3"}) {
        const std::string p = std::string(c) + ".";
        const bool training = std::string(c).find("train") != std::string::npos;
        CAPTURE(c);
        Tensor x = leaf(f.tensor(p + "x")), g = leaf(f.tensor(p + "weight")), b = leaf(f.tensor(p + "bias"));
        Tensor rm = f.tensor(p + "running_mean").clone(), rv = f.tensor(p + "running_var").clone();
        Tensor y = ops::batchnorm(x, g, b, rm, rv, training, 0.1f, 1e-5f);
        check_close(p + "y", y, f.tensor(p + "y"), kSum);
        check_close(p + "running_mean", rm, f.tensor(p + "running_mean_after"), kSum);
        check_close(p + "running_var", rv, f.tensor(p + "running_var_after"), kSum);
        if (!training) continue;  // eval mode is inference only in the engine (records nothing)
        weighted_sum(y, f.tensor(p + "dy")).backward();
        check_close(p + "dx", x.grad(), f.tensor(p + "dx"), kSum);
        check_close(p + "dweight", g.grad(), f.tensor(p + "dweight"), kSum);
        check_close(p + "dbias", b.grad(), f.tensor(p + "dbias"), kSum);
    }
}

TEST_CASE("reference: relu and the injected dropout mask, forward and backward") {
    const SafeTensorsFile f = load_reference("ops_relu.safetensors");
    Tensor x = leaf(f.tensor("b2.x"));
    Tensor y = ops::relu(x);
    check_close("relu y", y, f.tensor("b2.y"), kExact);
    weighted_sum(y, f.tensor("b2.dy")).backward();
    check_close("relu dx", x.grad(), f.tensor("b2.dx"), kExact);

    const SafeTensorsFile d = load_reference("ops_dropout_mask.safetensors");
    Tensor xd = leaf(d.tensor("p05.x"));
    Tensor yd = ops::mul_mask(xd, d.tensor("p05.mask"));
    check_close("dropout y", yd, d.tensor("p05.y"), kExact);
    weighted_sum(yd, d.tensor("p05.dy")).backward();
    check_close("dropout dx", xd.grad(), d.tensor("p05.dx"), kExact);
}

TEST_CASE("reference: linear, forward and backward") {
    const SafeTensorsFile f = load_reference("ops_linear.safetensors");
    for (const char* c : {"small", "wide"}) {
        const std::string p = std::string(c) + ".";
        CAPTURE(c);
        Tensor x = leaf(f.tensor(p + "x")), w = leaf(f.tensor(p + "weight")), b = leaf(f.tensor(p + "bias"));
        Tensor y = ops::linear(x, w, b);
        check_close(p + "y", y, f.tensor(p + "y"), kSum);
        weighted_sum(y, f.tensor(p + "dy")).backward();
        check_close(p + "dx", x.grad(), f.tensor(p + "dx"), kSum);
        check_close(p + "dweight", w.grad(), f.tensor(p + "dweight"), kSum);
        check_close(p + "dbias", b.grad(), f.tensor(p + "dbias"), kSum);
    }
}

TEST_CASE("reference: softmax cross-entropy (mean), loss, probabilities and gradient") {
    const SafeTensorsFile f = load_reference("ops_softmax_xent.safetensors");
    for (const char* c : {"k2_b6", "k5_b4"}) {
        const std::string p = std::string(c) + ".";
        CAPTURE(c);
        Tensor logits = leaf(f.tensor(p + "logits")), probs;
        Tensor loss = ops::softmax_cross_entropy(logits, f.tensor(p + "labels"), &probs);
        check_close(p + "loss", loss, f.tensor(p + "loss"), kSum);
        check_close(p + "probs", probs, f.tensor(p + "probs"), kSum);
        loss.backward();
        check_close(p + "dlogits", logits.grad(), f.tensor(p + "dlogits"), kSum);
    }
}
