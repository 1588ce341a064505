// tests/test_reference_common.h — helpers for the tests that compare the engine with the
// PyTorch-made vectors in tests/reference/ (test_reference_*.cpp).
//
// Vectors are read with the engine's own safetensors reader, so every test here also proves
// that reader handles files PyTorch's side wrote. Elements are compared as
// |ours − reference| ≤ atol + rtol·|reference| (as llm.c and torch.testing do); a failure
// reports the tensor, how many elements failed and the worst one.
#pragma once
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/ops.h"
#include "engine/safetensors.h"

namespace mcseg::reftest {

struct Tolerance {
    double atol, rtol;
    // Optionally, up to outlier_fraction of the elements may exceed atol + rtol·|ref| as long as
    // they stay within outlier_atol (see test_reference_train.cpp for when that is justified).
    double outlier_fraction = 0, outlier_atol = 0;
};

inline SafeTensorsFile load_reference(const std::string& name) {
    return load_safetensors("tests/reference/" + name);
}

inline void check_close(const std::string& what, const Tensor& got, const Tensor& want, Tolerance tol) {
    CAPTURE(what);
    REQUIRE(got.defined());
    REQUIRE(got.shape() == want.shape());
    const std::vector<float> g = got.to_host(), w = want.to_host();
    size_t bad = 0, outliers = 0, worst = 0;
    double worst_excess = 0;  // largest error − tolerance
    for (size_t i = 0; i < g.size(); ++i) {
        double err = std::fabs(static_cast<double>(g[i]) - w[i]), allowed = tol.atol + tol.rtol * std::fabs(w[i]);
        if (!(err <= allowed)) ++(err <= tol.outlier_atol ? outliers : bad);
        if (!(err - allowed <= worst_excess)) worst_excess = err - allowed, worst = i;
    }
    const double allowed_outliers = tol.outlier_fraction * static_cast<double>(g.size());
    INFO(what, ": ", bad + outliers, " of ", g.size(), " elements out of tolerance (atol ", tol.atol, ", rtol ",
         tol.rtol, "), ", outliers, " of them within the outlier bound ", tol.outlier_atol, " (", allowed_outliers,
         " allowed); worst element ", worst, ": ours ", g.empty() ? 0.0f : g[worst], ", reference ",
         w.empty() ? 0.0f : w[worst]);
    CHECK(bad == 0);
    CHECK(static_cast<double>(outliers) <= allowed_outliers);
}

// Σ y ⊙ dy as a taped scalar (reshape to [1, n] and a linear layer with weight dy, bias 0), so
// backward() hands each op exactly the reference's upstream gradient dy.
inline Tensor weighted_sum(const Tensor& y, const Tensor& dy) {
    const int n = static_cast<int>(y.numel());
    return ops::linear(y.reshape({1, n}), dy.reshape({1, n}), Tensor::zeros({1}));
}

// A leaf copy of a reference tensor that records gradients.
inline Tensor leaf(const Tensor& t) {
    Tensor c = t.clone();
    c.set_requires_grad(true);
    return c;
}

}  // namespace mcseg::reftest
