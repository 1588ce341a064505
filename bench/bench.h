// bench/ — the benchmarks of `mcseg bench <case>`, a library of its own that only the mcseg
// executable links (the tests do not). Each bench/*.cpp registers one case with a file-scope
//   static const mcseg::RegisterBench reg{{"cpu", "training step and inference vs PyTorch", run}};
// and prints one JSON object per line: at least case, ours, peer, unit and ratio (ours/peer,
// higher is better) — or the fields its issue names. Benchmarks may use every room of apps/.
#pragma once
#include "apps/cli/commands.h"

namespace mcseg {

// The cases of `mcseg bench`, in the same table type as mcseg's own subcommands.
CommandTable& bench_cases();

struct RegisterBench {
    explicit RegisterBench(Command c) { bench_cases().add(std::move(c)); }
};

}  // namespace mcseg
