// apps/cli/cmd_reproduce.cpp — `mcseg reproduce`: the paper's study end to end on synthetic data
// (apps/study/study.h runs it and writes its report).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "apps/cli/args.h"
#include "apps/cli/commands.h"
#include "apps/study/study.h"
#include "engine/error.h"

namespace mcseg {
namespace {

int run_reproduce(int argc, char** argv) {
    Args a(argc, argv, "mcseg reproduce --out DIR [--quick] [--device D]",
           "Reproduce the paper's study on a synthetic dataset: both networks x same/valid x\n"
           "N in {29, 39, 49}, Table 1 on the test split beside the paper, training curves, one report\n"
           "(DIR/report.md, DIR/report.json). Resumable: run it again to continue.");
    a.option("--out", "DIR", "study folder: images/, patches-nN.db, runs/, report.md");
    a.flag("--quick", "toy scale for a check (12 small images, 60 steps, width 8)");
    a.option("--device", "D", "cpu, cuda or auto", "auto");
    a.option("--seed", "S", "dataset and training seed", "1");
    a.option("--count", "K", "images (default 283; --quick 12)", "0");
    a.option("--steps", "S", "maximum training steps per network (default 6000; --quick 60)", "0");
    a.option("--filters", "F", "conv width (default 32; --quick 8)", "0");
    a.option("--patches", "LIST", "patch sides to study", "29,39,49");
    if (a.parse()) return 0;
    StudyOptions o;
    o.out = a.get("--out");
    o.quick = a.get_flag("--quick");
    o.device = resolve_device(a.get("--device"));
    o.seed = uint64_t(a.get_int("--seed", 0, kMaxSeed));
    o.count = a.get_int("--count", 0, 1000000);  // 0 for these three: the default (or --quick)
    o.steps = a.get_int("--steps", 0, 1000000000);
    o.filters = int(a.get_int("--filters", 0, 4096));  // 0: the default
    o.sides.clear();
    std::stringstream list(a.get("--patches"));
    for (std::string item; std::getline(list, item, ',');) {
        char* end = nullptr;
        const long n = std::strtol(item.c_str(), &end, 10);
        if (item.empty() || *end || n < 3 || n > 999) fail("--patches: '", item, "' is not a patch side (3..999)");
        o.sides.push_back(int(n));
    }
    const std::vector<Table1Row> rows = run_study(o);
    std::printf("%s\nreport: %s\n", table1_markdown(rows).c_str(),
                (std::filesystem::path(o.out) / "report.md").string().c_str());
    return 0;
}

const RegisterCommand reg{{"reproduce", "the paper's study end to end on synthetic data (Table 1, curves)", run_reproduce}};

}  // namespace
}  // namespace mcseg
