// tests/gradcheck.h — finite-difference gradient checking for the engine's ops (test helper).
//
// The op's output is reduced to a scalar loss L = Σ out ⊙ R with a fixed random R, using only
// taped ops (reshape to [1, numel], linear with weight R and bias 0), so backward() gives the
// analytic dL/dinput. The numerical derivative of each checked element is the central difference
// (L(x+h) - L(x-h)) / 2h, with L evaluated in float by the engine and the difference taken in
// double. Elements are compared as |numeric - analytic| <= atol + rtol·|analytic|.
//
// Why these step sizes: the engine computes in float (relative rounding ~6e-8), so with |L| ~ 10
// the rounding of a difference is ~1e-6 and dividing by 2h = 2e-2 leaves ~5e-5 of noise; ops
// that are linear in the checked input have no truncation error at all, smooth ones (batch
// norm) have O(h²) ~ 1e-4 relative. Inputs are drawn away from ReLU kinks and max-pool ties by
// more than h, so those stay piecewise linear within the step.
#pragma once
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "engine/init.h"
#include "engine/ops.h"

namespace mcseg::testing {

// Deterministic normal values (Philox) as a CPU tensor.
inline Tensor randn(std::vector<int> shape, uint64_t stream, float scale = 1.0f) {
    size_t n = 1;
    for (int d : shape) n *= static_cast<size_t>(d);
    std::vector<float> v = philox_normals(n, 12345, stream);
    for (float& x : v) x *= scale;
    return Tensor::from_host(shape, v);
}

// Values at least `gap` apart and at least gap/2 away from 0 — no ReLU kink or max-pool tie
// within a finite-difference step smaller than gap/2.
inline Tensor distinct_values(std::vector<int> shape, uint64_t stream, float gap = 0.05f) {
    size_t n = 1;
    for (int d : shape) n *= static_cast<size_t>(d);
    std::vector<float> keys = philox_normals(n, 777, stream);
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return keys[a] < keys[b]; });
    std::vector<float> v(n);
    for (size_t rank = 0; rank < n; ++rank)
        v[order[rank]] = (static_cast<float>(rank) - static_cast<float>(n) / 2.0f + 0.5f) * gap;
    return Tensor::from_host(shape, v);
}

struct GradCheck {
    float h = 1e-2f;
    double atol = 2e-3, rtol = 2e-2;
    size_t max_elements = 48;  // per input; evenly spaced when the input is larger
};

using LossFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Returns the largest |numeric - analytic| / (atol + rtol·|analytic|) seen (<= 1 passes) and
// records a doctest failure for every element that exceeds its tolerance.
inline double gradcheck(const LossFn& op, std::vector<Tensor> inputs, const GradCheck& opt = {},
                        const std::vector<bool>& check = {}) {
    for (Tensor& t : inputs) {
        t.zero_grad();
        t.set_requires_grad(true);
    }
    Tensor out = op(inputs);
    const int m = static_cast<int>(out.numel());
    Tensor R = randn({1, m}, 99), zero = Tensor::zeros({1});
    auto loss_of = [&](const Tensor& o) { return ops::linear(o.reshape({1, m}), R, zero).reshape({1}); };
    loss_of(out).backward();

    double worst = 0.0;
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (!check.empty() && !check[i]) continue;
        Tensor& x = inputs[i];
        REQUIRE(x.grad().defined());
        std::vector<float> analytic = x.grad().to_host(), values = x.to_host();
        const size_t n = values.size(), count = std::min(n, opt.max_elements);
        for (size_t s = 0; s < count; ++s) {
            const size_t j = s * n / count;
            auto loss_at = [&](float v) {
                values[j] = v;
                x.backend().copy_from_host(x.data(), values.data(), n * sizeof(float));
                NoGradGuard guard;
                return static_cast<double>(loss_of(op(inputs)).item());
            };
            const float original = values[j];
            const double numeric = (loss_at(original + opt.h) - loss_at(original - opt.h)) / (2.0 * opt.h);
            loss_at(original);  // restore
            const double err = std::fabs(numeric - analytic[j]);
            const double ratio = err / (opt.atol + opt.rtol * std::fabs(analytic[j]));
            worst = std::max(worst, ratio);
            if (ratio > 1.0)
                FAIL_CHECK("input " << i << " element " << j << ": numeric " << numeric
                                    << " vs analytic " << analytic[j]);
        }
    }
    return worst;
}

}  // namespace mcseg::testing
