// tests/test_engine_optim.cpp — Adam against the plain reference step (kernels/cpu/reference.h),
// SGD against steps computed by hand, He init statistics and determinism.
#include <doctest/doctest.h>

#include <cmath>

#include "engine/error.h"
#include "engine/init.h"
#include "engine/optim.h"
#include "kernels/cpu/reference.h"

using namespace mcseg;

namespace {

void set_grad(Tensor& p, const std::vector<float>& g) {
    p.impl()->grad = Tensor::from_host(p.shape(), g).impl();
}

}  // namespace

TEST_CASE("engine: Adam matches two steps of the reference update") {
    Tensor p = Tensor::from_host({2}, {1.0f, -0.5f});
    p.set_requires_grad(true);
    Adam adam({p}, 1e-3f);
    float m[2] = {0, 0}, v[2] = {0, 0}, ref[2] = {1.0f, -0.5f};
    const std::vector<float> grads[2] = {{0.5f, -2.0f}, {-1.0f, 0.25f}};
    for (int t = 1; t <= 2; ++t) {
        set_grad(p, grads[t - 1]);
        adam.step();
        // Kingma & Ba, Algorithm 1, with Adam's defaults (betas 0.9 and 0.999, eps 1e-8)
        reference::adam_step(2, ref, grads[t - 1].data(), m, v, 1e-3f, 0.9f, 0.999f, 1e-8f, t);
        std::vector<float> got = p.to_host();
        CHECK(got[0] == doctest::Approx(ref[0]).epsilon(1e-6));
        CHECK(got[1] == doctest::Approx(ref[1]).epsilon(1e-6));
    }
    CHECK(adam.step_count == 2);
    adam.zero_grad();
    CHECK_FALSE(p.grad().defined());
    std::vector<float> before = p.to_host();
    adam.step();  // no gradient: parameter untouched
    CHECK(p.to_host() == before);
}

TEST_CASE("engine: SGD with and without momentum") {
    Tensor p = Tensor::from_host({1}, {1.0f});
    SGD plain({p}, 0.1f);
    set_grad(p, {2.0f});
    plain.step();
    CHECK(p.item() == doctest::Approx(0.8f));

    Tensor q = Tensor::from_host({1}, {1.0f});
    SGD mom({q}, 0.1f, 0.9f);
    set_grad(q, {1.0f});
    mom.step();  // velocity 1
    mom.step();  // velocity 1.9
    CHECK(q.item() == doctest::Approx(1.0f - 0.1f - 0.19f));
    CHECK_THROWS_AS(SGD({q}, -1.0f), Error);
}

TEST_CASE("engine: He init is seeded, deterministic and has the right spread") {
    Tensor a = Tensor::zeros({64, 32, 3, 3}), b = Tensor::zeros({64, 32, 3, 3}), c = Tensor::zeros({64, 32, 3, 3});
    he_normal_(a, 5, 0);
    he_normal_(b, 5, 0);
    he_normal_(c, 5, 1);
    CHECK(a.to_host() == b.to_host());
    CHECK(a.to_host() != c.to_host());
    std::vector<float> w = a.to_host();
    double sum = 0, sq = 0;
    for (float x : w) sum += x, sq += static_cast<double>(x) * x;
    const double mean = sum / w.size(), sd = std::sqrt(sq / w.size() - mean * mean);
    const double expected = std::sqrt(2.0 / (32 * 9));  // fan_in = c_in · 3 · 3
    CHECK(std::fabs(mean) < 0.05 * expected);
    CHECK(sd == doctest::Approx(expected).epsilon(0.03));  // 18432 samples: sd error ~0.5 %
    Tensor bad = Tensor::zeros({5});
    CHECK_THROWS_AS(he_normal_(bad, 1, 0), Error);
}
