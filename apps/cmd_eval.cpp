// apps/cmd_eval.cpp — `mcseg eval`: Table 1 for a trained network on a split of a patch database.
#include <cstdio>
#include <fstream>

#include "apps/cli.h"
#include "apps/eval_patches.h"
#include "apps/table1.h"
#include "apps/train_data.h"
#include "engine/error.h"

namespace mcseg {
namespace {

int run_eval(int argc, char** argv) {
    Args a(argc, argv, "mcseg eval --weights FILE --db FILE [--json FILE] [--split test]",
           "Table 1 of the paper for a trained network: the error rate per patch class C1..C4 on the\n"
           "same number of patches of each class, and the overall accuracy weighing C1 by 1/2 and\n"
           "C2, C3, C4 by 1/6 each (the weighting of the paper's overall figures) beside the plain\n"
           "class mean, with the paper's figures beside ours. The weights file carries its config.");
    a.option("--weights", "FILE", "weights written by mcseg train (best.safetensors)");
    a.option("--db", "FILE", "patch database made by mcseg patches");
    a.option("--split", "S", "split to evaluate: test, val or train", "test");
    a.option("--per-class", "M", "patches per class (fewer when a class has fewer)", "5000");
    a.option("--json", "FILE", "also write the table as JSON", "-");
    a.option("--device", "D", "cpu, cuda or auto", "auto");
    a.option("--seed", "S", "seed of the choice of patches", "7");
    a.option("--patches", "FILE", "also write every patch's outcome as CSV; print the error by ring of the nearest MC",
             "-");
    if (a.parse()) return 0;
    Device device = resolve_device(a.get("--device"));
    std::map<std::string, std::string> meta;
    Network net = load_network(a.get("--weights"), device, &meta);
    auto kind = meta.find("mcseg.kind");
    if (kind == meta.end()) fail("'", a.get("--weights"), "' does not say which network it is (metadata mcseg.kind)");
    std::vector<PatchOutcome> outcomes;
    Table1Row row{kind->second, net.config().same ? "same" : "valid", net.config().patch,
                  evaluate_on_db(net, parse_task(kind->second), a.get("--db"), a.get("--split"),
                                 size_t(a.get_int("--per-class")), uint64_t(a.get_int("--seed")),
                                 a.given("--patches") ? &outcomes : nullptr)};
    std::printf("%s", table1_markdown({row}).c_str());
    std::printf("\n%lld patches of the %s split; loss %.4f\n", (long long)row.result.samples, a.get("--split").c_str(),
                row.result.loss);
    if (a.given("--patches")) {
        const std::vector<PatchGeometry> geometry = patch_geometry(outcomes, row.patch);
        write_outcomes_csv(a.get("--patches"), outcomes, geometry);
        std::printf("\n%s", error_by_ring_markdown(outcomes, geometry, row.patch).c_str());
    }
    if (a.given("--json")) {
        std::ofstream out(a.get("--json"));
        out << table1_json(row).dump(2) << "\n";
        if (!out) fail("cannot write '", a.get("--json"), "'");
    }
    return 0;
}

const RegisterCommand reg{{"eval", "Table 1: per-class error rates of a trained network", run_eval}};

}  // namespace
}  // namespace mcseg
