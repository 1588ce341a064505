// apps/cmd_bench.cpp — `mcseg bench <case> [options]`: runs one registered benchmark (bench/).
#include <cstdio>
#include <cstring>

#include "apps/cli.h"
#include "bench/bench.h"
#include "engine/error.h"

namespace mcseg {

static std::map<std::string, BenchCase>& bench_registry() {
    static std::map<std::string, BenchCase> r;
    return r;
}

RegisterBench::RegisterBench(BenchCase c) { bench_registry()[c.name] = std::move(c); }

const std::map<std::string, BenchCase>& bench_cases() { return bench_registry(); }

static int run_bench(int argc, char** argv) {
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        std::printf("usage: mcseg bench <case> [options]   (mcseg bench <case> --help for details)\n\n"
                    "Runs a benchmark; each prints one JSON object per line.\n\ncases:\n");
        for (const auto& [name, c] : bench_cases()) std::printf("  %-10s %s\n", name.c_str(), c.summary.c_str());
        return argc < 2 ? 2 : 0;
    }
    auto it = bench_cases().find(argv[1]);
    if (it == bench_cases().end()) fail("unknown benchmark '", argv[1], "' (see mcseg bench --help)");
    return it->second.run(argc - 1, argv + 1);
}

static const RegisterCommand reg{{"bench", "run a benchmark (cpu, sampler, ...)", run_bench}};

}  // namespace mcseg
