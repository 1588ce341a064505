// bench/peak.cpp — see peak.h.
#include "bench/peak.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <fstream>

namespace mcseg {
namespace {

// The widest float vectors the build targets (as kernels/cpu/gemm.cpp picks its micro-kernel).
#if defined(__AVX512F__)
constexpr int kLanes = 16;
constexpr const char* kIsa = "AVX-512";
#elif defined(__AVX2__)
constexpr int kLanes = 8;
constexpr const char* kIsa = "AVX2";
#elif defined(__AVX__)
constexpr int kLanes = 8;
constexpr const char* kIsa = "AVX";
#else
constexpr int kLanes = 4;
constexpr const char* kIsa = "SSE2";
#endif

double peak_once() {
    typedef float vec __attribute__((vector_size(kLanes * sizeof(float))));
    constexpr int chains = 24;
    constexpr long iters = 4'000'000;
    auto t0 = std::chrono::steady_clock::now();
    float sink = 0;
#pragma omp parallel reduction(+ : sink)
    {
        vec acc[chains], a = {}, b = {};
        a += 1.0000001f;
        b += 1e-7f;
        for (auto& c : acc) c = b;
        for (long k = 0; k < iters; ++k) {
#pragma GCC unroll 24
            for (int c = 0; c < chains; ++c) acc[c] = acc[c] * a + b;
            __asm__ volatile("" : "+x"(a));  // keeps the loop from being folded away
        }
        for (auto& c : acc) sink += c[0];
    }
    double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    int threads = omp_get_max_threads();
    return sink == 0 ? 0 : 2.0 * kLanes * chains * iters * threads / t / 1e9;
}

}  // namespace

double measured_peak_gflops() {
    double best = 0;
    for (int rep = 0; rep < 8; ++rep) best = std::max(best, peak_once());
    return best;
}

std::string machine_name() {
    std::ifstream in("/proc/cpuinfo");
    std::string line, model = "unknown CPU";
    while (std::getline(in, line))
        if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
            model = line.substr(line.find(':') + 2);
            break;
        }
    return model + ", " + kIsa + ", " + std::to_string(omp_get_max_threads()) + " threads";
}

}  // namespace mcseg
