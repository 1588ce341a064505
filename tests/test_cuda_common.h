// tests/test_cuda_common.h — helpers shared by the tests/test_cuda_*.cpp suites.
//
// The suites compare the CUDA backend with the CPU backend on the same inputs. In the normal
// build the CUDA backend runs under the CPU emulation layer (mcseg_cuda_emu); the GPU test
// executable (tests/gpu/) compiles the same suites against the real-GPU library. Under
// emulation every comparison is repeated for the forward, reverse and a random thread order,
// so a kernel that depends on an unsynchronised ordering of its threads fails.
#pragma once
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "kernels/cuda/cuda_backend.h"

namespace mcseg::test {

// The CUDA backend under test, created and installed on first use (shared by all suites).
inline cuda::CudaBackend& cuda_under_test() {
    static cuda::CudaBackend backend;
    static bool installed = (install_cuda_backend(&backend), true);
    (void)installed;
    return backend;
}

// Runs `body` once per thread order (emulation) or once (real GPU), naming the order in the
// doctest context so a failure says which one it was.
inline void for_each_thread_order(const std::function<void()>& body) {
#if defined(MCSEG_CUDA_EMULATION)
    const emu::ThreadOrder orders[] = {emu::ThreadOrder::Forward, emu::ThreadOrder::Reverse,
                                       emu::ThreadOrder::Random};
    for (emu::ThreadOrder o : orders) {
        emu::set_thread_order(o, 12345);
        INFO("thread order ", std::string(emu::thread_order_name()));
        body();
    }
    emu::set_thread_order(emu::ThreadOrder::Forward);
#else
    body();
#endif
}

inline std::vector<float> random_vector(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> u(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) x = u(gen);
    return v;
}

// The same float array on the CPU backend and on the CUDA backend.
class Pair {
public:
    Pair(size_t n, const std::vector<float>& init)
        : cpu_(cpu_backend()), gpu_(cuda_under_test()), n_(n) {
        c_ = static_cast<float*>(cpu_.allocate(bytes()));
        g_ = static_cast<float*>(gpu_.allocate(bytes()));
        upload(init);
    }
    // Both sides filled with NaN: an output element a kernel forgets to write shows up.
    explicit Pair(size_t n) : Pair(n, std::vector<float>(n, std::nanf(""))) {}
    ~Pair() {
        cpu_.deallocate(c_, bytes());
        gpu_.deallocate(g_, bytes());
    }
    Pair(const Pair&) = delete;
    Pair& operator=(const Pair&) = delete;

    void upload(const std::vector<float>& v) {
        REQUIRE(v.size() == n_);
        cpu_.copy_from_host(c_, v.data(), bytes());
        gpu_.copy_from_host(g_, v.data(), bytes());
    }
    float* cpu() { return c_; }
    float* gpu() { return g_; }
    std::vector<float> cpu_host() const {
        std::vector<float> v(n_);
        cpu_.copy_to_host(v.data(), c_, bytes());
        return v;
    }
    std::vector<float> gpu_host() const {
        std::vector<float> v(n_);
        gpu_.copy_to_host(v.data(), g_, bytes());
        return v;
    }
    size_t size() const { return n_; }

private:
    size_t bytes() const { return n_ * sizeof(float); }
    Backend& cpu_;
    Backend& gpu_;
    size_t n_;
    float* c_;
    float* g_;
};

// |gpu - cpu| <= atol + rtol·|cpu| for every element (llm.c's criterion); NaN never passes.
inline void expect_close(const std::string& what, const std::vector<float>& cpu,
                         const std::vector<float>& gpu, float atol, float rtol) {
    REQUIRE(cpu.size() == gpu.size());
    size_t bad = 0, worst = 0;
    double worst_excess = -1.0;
    for (size_t i = 0; i < cpu.size(); ++i) {
        double err = std::fabs(double(gpu[i]) - double(cpu[i]));
        double allowed = atol + rtol * std::fabs(double(cpu[i]));
        bool ok = err <= allowed;  // false for NaN
        if (!ok) ++bad;
        double excess = std::isnan(err) ? 1e30 : err - allowed;
        if (excess > worst_excess) worst_excess = excess, worst = i;
    }
    INFO(what, ": ", bad, " of ", cpu.size(), " elements out of tolerance (atol ", atol, ", rtol ",
         rtol, "); worst at ", worst, ": cpu ", cpu[worst], " cuda ", gpu[worst]);
    CHECK(bad == 0);
}

inline void expect_close(const std::string& what, const Pair& p, float atol, float rtol) {
    expect_close(what, p.cpu_host(), p.gpu_host(), atol, rtol);
}

// The kernels are deterministic (no atomics; reductions in a fixed order), so their results
// must not depend on the emulator's thread order: the first order's bits are the reference.
class SameBitsEveryOrder {
public:
    void check(const std::string& what, const Pair& p) {
        std::vector<float> v = p.gpu_host();
        auto [it, first] = first_.try_emplace(what, v);
        if (first) return;
        INFO(what, ": result changed with the thread order");
        CHECK(std::memcmp(it->second.data(), v.data(), v.size() * sizeof(float)) == 0);
    }

private:
    std::map<std::string, std::vector<float>> first_;
};

}  // namespace mcseg::test
