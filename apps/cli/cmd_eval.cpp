// apps/cli/cmd_eval.cpp — `mcseg eval`: Table 1 for a trained network on a split of a patch database
// (apps/evaluation/class_error_table.h).
#include <cstdio>
#include <fstream>

#include "apps/cli/args.h"
#include "apps/cli/commands.h"
#include "apps/evaluation/patch_outcomes.h"
#include "apps/evaluation/threshold.h"
#include "apps/evaluation/class_error_table.h"
#include "engine/error.h"
#include "engine/random.h"
#include "nets/weights.h"

namespace mcseg {
namespace {

int run_eval(int argc, char** argv) {
    Args a(argc, argv, "mcseg eval --weights FILE --db FILE [--json FILE] [--split test]",
           "Table 1 of the paper for a trained network: the error rate per patch class C1..C4 on the\n"
           "same number of patches of each class, and the overall accuracy weighing C1 by 1/2 and\n"
           "C2, C3, C4 by 1/6 each (the weighting of the paper's overall figures) beside the plain\n"
           "class mean, with the paper's figures beside ours. The weights file carries its config and\n"
           "the decision threshold mcseg calibrate chose on the validation split (else 0.5); when that\n"
           "is not 0.5 the arg-max row (p > 0.5) is printed too.");
    a.option("--weights", "FILE", "weights written by mcseg train (best.safetensors)");
    a.option("--db", "FILE", "patch database made by mcseg patches");
    a.option("--split", "S", "split to evaluate: test, val or train", "test");
    a.option("--per-class", "M", "patches per class (fewer when a class has fewer)", "5000");
    a.option("--json", "FILE", "also write the table as JSON", "-");
    a.option("--device", "D", "cpu, cuda or auto", "auto");
    a.option("--seed", "S", "seed of the choice of patches", std::to_string(streams::kEvalSetSeed));
    a.option("--threshold", "P", "call a patch positive above this probability (default: the weights' own, else 0.5)",
             "-");
    a.option("--patches", "FILE", "also write every patch's outcome as CSV; print the error by ring of the nearest MC",
             "-");
    if (a.parse()) return 0;
    const std::string weights = a.get("--weights");
    Metadata meta;
    Network net = load_network(weights, resolve_device(a.get("--device")), &meta);
    const double threshold = a.given("--threshold") ? a.get_double("--threshold", 0, 1) : stored_threshold(meta, weights);
    if (!(threshold > 0 && threshold < 1)) fail("the decision threshold must be between 0 and 1, got ", threshold);
    Table1Eval t = table1_on_db(net, network_kind(meta, weights), a.get("--db"), a.get("--split"),
                                size_t(a.get_int("--per-class", 1, 100000000)), threshold, uint64_t(a.get_int("--seed", 0, kMaxSeed)));
    const Table1Row& row = t.at_threshold;
    const bool argmax_too = threshold != 0.5;
    std::vector<Table1Row> rows;
    if (argmax_too) rows.push_back(t.at_argmax);
    rows.push_back(row);
    std::printf("%s", table1_markdown(rows).c_str());
    std::printf("\n%lld patches of the %s split; loss %.4f; decided at p > %.2f\n", (long long)row.result.samples,
                a.get("--split").c_str(), row.result.loss, threshold);
    if (a.given("--patches")) {
        const std::vector<PatchGeometry> geometry = patch_geometry(t.outcomes, row.patch);
        write_outcomes_csv(a.get("--patches"), t.outcomes, geometry);
        std::printf("\n%s", error_by_ring_markdown(t.outcomes, geometry, row.patch).c_str());
    }
    if (a.given("--json")) {
        std::ofstream out(a.get("--json"));
        nlohmann::json j = table1_json(row);
        if (argmax_too) j["argmax"] = table1_json(t.at_argmax);
        out << j.dump(2) << "\n";
        if (!out) fail("cannot write '", a.get("--json"), "'");
    }
    return 0;
}

const RegisterCommand reg{{"eval", "Table 1: per-class error rates of a trained network", run_eval}};

}  // namespace
}  // namespace mcseg
