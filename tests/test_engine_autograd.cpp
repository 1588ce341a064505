// tests/test_engine_autograd.cpp — the tensor and the autograd tape: storage sharing, error
// messages, gradient accumulation for a tensor used twice, no-grad mode, train vs eval.
#include <doctest/doctest.h>

#include "engine/error.h"
#include "engine/ops.h"

#include <cmath>

using namespace mcseg;

TEST_CASE("engine: tensor basics and shape errors") {
    Tensor t = Tensor::from_host({2, 3}, {1, 2, 3, 4, 5, 6});
    CHECK(t.numel() == 6);
    CHECK(t.rank() == 2);
    CHECK(t.dim(1) == 3);
    Tensor v = t.reshape({3, 2});
    CHECK(v.data() == t.data());  // a view shares storage
    Tensor c = t.clone();
    CHECK(c.data() != t.data());
    CHECK(c.to_host() == t.to_host());
    CHECK_THROWS_AS(t.reshape({4, 2}), Error);
    CHECK_THROWS_AS(Tensor::from_host({2, 2}, {1, 2, 3}), Error);
    CHECK_THROWS_AS(Tensor::zeros({}), Error);
    CHECK_FALSE(Tensor().defined());
    Tensor w = Tensor::zeros({4, 5, 3, 3}), b = Tensor::zeros({4});
    try {
        ops::conv3x3(Tensor::zeros({1, 3, 8, 8}), w, b, 1);
        FAIL("expected an error");
    } catch (const Error& e) {
        std::string msg = e.what();
        CHECK(msg.find("conv3x3") != std::string::npos);
        CHECK(msg.find("[1, 3, 8, 8]") != std::string::npos);
        CHECK(msg.find("[4, 5, 3, 3]") != std::string::npos);
    }
}

namespace {

// L = Σ y (through a taped linear layer with weight 1 and bias 0), so dL/dy = 1.
Tensor sum_all(const Tensor& y) {
    const int m = static_cast<int>(y.numel());
    return ops::linear(y.reshape({1, m}), Tensor::full({1, m}, 1.0f), Tensor::zeros({1})).reshape({1});
}

}  // namespace

TEST_CASE("engine: a tensor used twice accumulates both gradients") {
    Tensor x = Tensor::from_host({4}, {-2, -1, 1, 2});
    x.set_requires_grad(true);
    sum_all(ops::add(ops::relu(x), x)).backward();  // d/dx (relu(x) + x) = [x > 0] + 1
    CHECK(x.grad().to_host() == std::vector<float>{1, 1, 2, 2});

    x.zero_grad();
    sum_all(ops::add(x, x)).backward();  // both inputs of one op are the same tensor
    CHECK(x.grad().to_host() == std::vector<float>{2, 2, 2, 2});
    x.zero_grad();
    sum_all(ops::add(ops::relu(x), x)).backward();

    // The same weight in two layers: y = W (W x), dL/dW = 1·(Wx)ᵀ + Wᵀ1·xᵀ.
    Tensor w = Tensor::from_host({2, 2}, {1, 2, 3, 4});
    w.set_requires_grad(true);
    Tensor in = Tensor::from_host({1, 2}, {1, 1}), zero = Tensor::zeros({2});
    sum_all(ops::linear(ops::linear(in, w, zero), w, zero)).backward();
    // W x = [3, 7]; Wᵀ 1 = [4, 6]; dW = [[3, 7], [3, 7]] + [[4, 4], [6, 6]]
    CHECK(w.grad().to_host() == std::vector<float>{7, 11, 9, 13});

    // A second backward adds to the existing gradient until zero_grad.
    sum_all(ops::relu(x)).backward();
    CHECK(x.grad().to_host() == std::vector<float>{1, 1, 3, 3});
    x.zero_grad();
    CHECK_FALSE(x.grad().defined());
}

TEST_CASE("engine: no-grad mode records nothing") {
    Tensor x = Tensor::from_host({3}, {1, -1, 2});
    x.set_requires_grad(true);
    {
        NoGradGuard guard;
        CHECK_FALSE(grad_enabled());
        Tensor y = ops::relu(x);
        CHECK_FALSE(y.requires_grad());
        CHECK(y.impl()->grad_fn == nullptr);
        CHECK_THROWS_AS(sum_all(y).backward(), Error);
        {
            NoGradGuard nested;
        }
        CHECK_FALSE(grad_enabled());  // a nested guard restores the outer state
    }
    CHECK(grad_enabled());
    Tensor y = ops::relu(x);
    CHECK(y.requires_grad());
    CHECK(y.impl()->grad_fn != nullptr);
    // Inputs that do not require grad record nothing either.
    CHECK_FALSE(ops::relu(Tensor::zeros({3})).requires_grad());
}

TEST_CASE("engine: intermediate gradients and the graph are released, leaves keep theirs") {
    Tensor x = Tensor::from_host({2}, {1, 2});
    x.set_requires_grad(true);
    Tensor h = ops::relu(x);
    sum_all(h).backward();
    CHECK(x.grad().defined());
    CHECK_FALSE(h.grad().defined());
    CHECK_THROWS_AS(h.backward(), Error);  // not a 1-element loss
    // The graph is freed by its backward pass: a second one is refused, not double-counted.
    Tensor loss = sum_all(ops::relu(x));
    loss.backward();
    CHECK_THROWS_WITH_AS(loss.backward(), doctest::Contains("already walked"), Error);
    CHECK(x.grad().to_host() == std::vector<float>{2, 2});  // two passes, each adding 1
}

TEST_CASE("engine: backward walks a very deep graph without recursion") {
    Tensor x = Tensor::from_host({1}, {3});
    x.set_requires_grad(true);
    Tensor h = x;
    for (int i = 0; i < 5000; ++i) h = ops::add(ops::relu(h), Tensor::zeros({1}));
    sum_all(h).backward();
    CHECK(x.grad().item() == 1.0f);
}

TEST_CASE("engine: eval and train modes differ as they should") {
    // Dropout: identity in eval, a mask in training.
    Tensor x = Tensor::full({2, 50}, 1.0f);
    CHECK(ops::dropout(x, 0.5f, 1, 0, false).to_host() == x.to_host());
    CHECK(ops::dropout(x, 0.5f, 1, 0, true).to_host() != x.to_host());
    // Batch norm: training normalises with batch stats and updates the running ones; eval uses
    // the running ones and leaves them alone.
    Tensor in = Tensor::from_host({4, 1}, {1, 2, 3, 4});
    Tensor g = Tensor::full({1}, 1.0f), b = Tensor::zeros({1});
    g.set_requires_grad(true);
    Tensor rm = Tensor::zeros({1}), rv = Tensor::full({1}, 1.0f);
    Tensor eval = ops::batchnorm(in, g, b, rm, rv, false, 0.1f, 0.0f + 1e-5f);
    CHECK(eval.to_host()[3] == doctest::Approx(4.0f / std::sqrt(1.0f + 1e-5f)));
    CHECK(rm.item() == 0.0f);
    CHECK(eval.requires_grad());
    Tensor train = ops::batchnorm(in, g, b, rm, rv, true, 0.1f, 1e-5f);
    CHECK(train.to_host()[0] < 0.0f);
    CHECK(rm.item() == doctest::Approx(0.25f));
    CHECK(train.requires_grad());
}
