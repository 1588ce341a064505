// bench/bench.h — registry of benchmark cases run by `mcseg bench <case>`.
//
// Each bench/*.cpp registers one case with a file-scope
//   static const mcseg::RegisterBench reg{{"cpu", "training step and inference vs PyTorch", run}};
// and prints one JSON object per line: at least case, ours, peer, unit and ratio (ours/peer,
// higher is better) — or the fields its issue names.
#pragma once
#include <map>
#include <string>

namespace mcseg {

struct BenchCase {
    std::string name;
    std::string summary;
    int (*run)(int argc, char** argv);  // argv[0] is the case name; options follow
};

struct RegisterBench {
    explicit RegisterBench(BenchCase c);
};

const std::map<std::string, BenchCase>& bench_cases();

}  // namespace mcseg
