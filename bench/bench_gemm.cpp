// bench/bench_gemm.cpp — `mcseg bench gemm`: GFLOP/s of the CPU gemm() on the shapes the
// paper's network produces (im2col convolutions at width 32, the FC layers) plus a square one.
//
// Each case is warmed up once, then repeated until at least --seconds have passed; the best
// repetition counts. One JSON line per case: case, ours (GFLOP/s), peak and the fraction of
// peak reached; the peak is measured at run time (bench/peak.h).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "apps/cli/args.h"
#include "bench/bench.h"
#include "bench/peak.h"
#include "engine/philox.h"
#include "kernels/cpu/gemm.h"

namespace mcseg {
namespace {

struct GemmShape {
    const char* name;
    bool ta, tb;
    int M, N, K;
};

// Shapes from the N=49 same net at width 32, batch 256 (spatial sizes 49, 24, 12):
// forward  Y[co, n·hw] = W[co, ci·9] · col[ci·9, n·hw]
// bwd data dcol = Wᵀ · dY, bwd weight dW = dY · colᵀ.
const GemmShape kShapes[] = {
    {"square_1024", false, false, 1024, 1024, 1024},
    {"conv_fwd_32x288x49x49x16", false, false, 32, 16 * 49 * 49, 288},
    {"conv_fwd_32x9x49x49x16", false, false, 32, 16 * 49 * 49, 9},
    {"conv_bwd_data_288x32x49x49x16", true, false, 288, 16 * 49 * 49, 32},
    {"conv_bwd_weight_32x288x49x49x16", false, true, 32, 288, 16 * 49 * 49},
    {"conv_fwd_32x288x12x12x256", false, false, 32, 256 * 144, 288},
    {"fc1_fwd_256x64x4608", false, true, 256, 64, 4608},
    {"fc1_bwd_weight_64x4608x256", true, false, 64, 4608, 256},
};

double time_once(const GemmShape& s, const std::vector<float>& A, const std::vector<float>& B,
                 std::vector<float>& C) {
    int lda = s.ta ? s.M : s.K, ldb = s.tb ? s.K : s.N;
    auto t0 = std::chrono::steady_clock::now();
    gemm(s.ta, s.tb, s.M, s.N, s.K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C.data(), s.N);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int run(int argc, char** argv) {
    Args a(argc, argv, "mcseg bench gemm [--seconds S]",
           "GFLOP/s of the CPU gemm on the network's im2col and FC shapes.");
    a.option("--seconds", "S", "minimum timed seconds per shape", "0.5");
    if (a.parse()) return 0;
    const double min_seconds = a.get_double("--seconds", 0.01, 3600), peak = measured_peak_gflops();
    const std::string machine = machine_name();
    for (const auto& s : kShapes) {
        std::vector<float> A(static_cast<size_t>(s.M) * s.K), B(static_cast<size_t>(s.K) * s.N),
            C(static_cast<size_t>(s.M) * s.N);
        for (size_t i = 0; i < A.size(); ++i) A[i] = philox_uniform_at(1, 0, i) - 0.5f;
        for (size_t i = 0; i < B.size(); ++i) B[i] = philox_uniform_at(1, 1, i) - 0.5f;
        time_once(s, A, B, C);  // warm-up: page faults, packing buffers
        double best = 1e30, total = 0;
        int reps = 0;
        while (total < min_seconds || reps < 3) {
            double t = time_once(s, A, B, C);
            best = std::min(best, t);
            total += t;
            ++reps;
        }
        double gflops = 2.0 * s.M * s.N * s.K / best / 1e9;
        std::printf("{\"case\": \"gemm_%s\", \"trans_a\": %s, \"trans_b\": %s, \"M\": %d, \"N\": %d, \"K\": %d, "
                    "\"ours\": %.1f, \"unit\": \"GFLOP/s\", \"peak\": %.0f, \"fraction_of_peak\": %.3f, \"reps\": %d, "
                    "\"machine\": \"%s\"}\n",
                    s.name, s.ta ? "true" : "false", s.tb ? "true" : "false", s.M, s.N, s.K, gflops, peak,
                    gflops / peak, reps, machine.c_str());
        std::fflush(stdout);
    }
    return 0;
}

const RegisterBench reg{{"gemm", "GFLOP/s of the CPU gemm on the network's shapes", run}};

}  // namespace
}  // namespace mcseg
