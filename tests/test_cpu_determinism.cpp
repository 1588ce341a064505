// tests/test_cpu_determinism.cpp — the CPU backend gives bit-identical results whatever the
// number of OpenMP threads (reductions use fixed groupings, never per-thread ones); its cache
// reuses blocks across nearly equal sizes; a parallel loop's error does not depend on timing.
#include <doctest/doctest.h>
#include <omp.h>

#include <chrono>
#include <string>
#include <thread>

#include "engine/backend.h"
#include "engine/error.h"
#include "engine/ops.h"
#include "tests/gradcheck.h"

using namespace mcseg;
using namespace mcseg::testing;

namespace {

// Gradients of a conv + batch norm + relu + pool + conv + linear + loss chain (the bias is
// shared by both convs, so accumulation is exercised too).
std::vector<std::vector<float>> run_chain() {
    Tensor x = randn({9, 3, 11, 10}, 1), w1 = randn({5, 3, 3, 3}, 2), w2 = randn({5, 5, 3, 3}, 3), b = randn({5}, 4);
    Tensor g = Tensor::full({5}, 1.0f), beta = Tensor::zeros({5}), rm = Tensor::zeros({5}), rv = Tensor::full({5}, 1.0f);
    Tensor fw = randn({2, 5 * 3 * 3}, 5, 0.1f), fb = Tensor::zeros({2});
    Tensor labels = Tensor::from_host({9}, {0, 1, 0, 1, 1, 0, 0, 1, 1});
    for (Tensor* t : {&x, &w1, &w2, &b}) t->set_requires_grad(true);
    Tensor h = ops::conv3x3(x, w1, b, 1);                                                // [9, 5, 11, 10]
    h = ops::maxpool2x2(ops::relu(ops::batchnorm(h, g, beta, rm, rv, true, 0.1f, 1e-5f)));  // [9, 5, 5, 5]
    h = ops::conv3x3(h, w2, b, 0);                                                       // [9, 5, 3, 3]
    Tensor loss = ops::softmax_cross_entropy(ops::linear(ops::flatten(h), fw, fb), labels);
    loss.backward();
    return {loss.to_host(), x.grad().to_host(), w1.grad().to_host(), w2.grad().to_host(), b.grad().to_host()};
}

}  // namespace

TEST_CASE("cpu: results do not depend on the thread count") {
    const int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    auto one = run_chain();
    omp_set_num_threads(2);
    auto two = run_chain();
    omp_set_num_threads(threads);
    for (size_t i = 0; i < one.size(); ++i) CHECK(one[i] == two[i]);
}

TEST_CASE("cpu backend: blocks of nearly equal size come back from the cache") {
    // The dense mode's tiles differ by a few rows: their tensors must share cached blocks (size
    // classes of 1/8 of a power of two), or each new shape faults in fresh pages.
    Backend& b = backend_for(Device::CPU);
    const size_t a = (1 << 20) + 4096, c = (1 << 20) + 65536;  // both in the class up to 1.125 MiB
    void* p = b.allocate(a);
    b.deallocate(p, a);
    void* q = b.allocate(c);
    CHECK(q == p);
    b.deallocate(q, c);
    void* far = b.allocate(3 << 20);  // another class: not the cached block
    CHECK(far != p);
    b.deallocate(far, 3 << 20);
}

TEST_CASE("FirstError: a parallel loop reports the error of its lowest index, whatever the timing") {
    for (int rep = 0; rep < 5; ++rep) {
        FirstError error;
#pragma omp parallel for schedule(dynamic, 1)
        for (int i = 0; i < 64; ++i) {
            try {
                // Index 2 fails last: while one thread waits in it, the others fail 5, 8, ...
                if (i == 2) std::this_thread::sleep_for(std::chrono::milliseconds(20));
                if (i % 3 == 2) fail("image ", i);
            } catch (...) {
                error.record(i);
            }
        }
        std::string what;
        try {
            error.rethrow();
        } catch (const Error& e) {
            what = e.what();
        }
        CHECK(what == "image 2");
    }
}
