// bench/cmd_bench.cpp — `mcseg bench <case> [options]`: runs one registered benchmark (bench.h).
#include "bench/bench.h"

namespace mcseg {

CommandTable& bench_cases() {
    static CommandTable table("mcseg bench", "Runs a benchmark; each prints one JSON object per line.");
    return table;
}

namespace {

int run_bench(int argc, char** argv) { return bench_cases().dispatch(argc, argv); }

const RegisterCommand reg{{"bench", "run a benchmark (conv, cpu, gemm, sampler, segment)", run_bench}};

}  // namespace
}  // namespace mcseg
