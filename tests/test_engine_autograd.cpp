// tests/test_engine_autograd.cpp — the tensor and the autograd tape: storage sharing, error
// messages, gradient accumulation for a tensor used twice, no-grad mode, train vs eval.
#include <doctest/doctest.h>

#include "engine/error.h"
#include "engine/ops.h"

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
