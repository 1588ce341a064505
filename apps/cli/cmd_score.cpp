// apps/cli/cmd_score.cpp — `mcseg score`: predicted masks against ground truth, at the pixel, MC and
// cluster levels, false MCs per cm² of breast, and the FROC curve over the probability maps
// (apps/evaluation/score_folders.h).
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

#include "apps/cli/args.h"
#include "apps/cli/commands.h"
#include "apps/evaluation/score_folders.h"
#include "apps/io/gray_image.h"
#include "engine/error.h"

namespace mcseg {
namespace {

// Two decimals, or n/a for a figure that is not known (an FP rate the FROC curve does not reach).
std::string or_na(const std::optional<double>& v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v.value_or(0));
    return v ? buf : "n/a";
}

// The line of per-cm² figures, or a note on stderr when a breast area is unknown.
void print_per_cm2(const FolderScore& f) {
    const std::optional<double> rate = f.false_mcs_per_cm2();
    if (!rate) {
        std::fprintf(stderr, "mcseg score: note: %s\n", f.area_note().c_str());
        return;
    }
    std::printf("per cm² of breast (%.1f cm²): %.2f false MCs", *f.total_breast_cm2(), *rate);
    if (!f.froc.empty()) {
        const FrocAtRates at = froc_at_rates(f.froc);
        std::printf("; FROC sensitivity %s / %s / %s at 0.1 / 0.3 / 1 FP/cm² (mean %s)", or_na(at.sensitivity[0]).c_str(),
                    or_na(at.sensitivity[1]).c_str(), or_na(at.sensitivity[2]).c_str(), or_na(at.mean).c_str());
    }
    std::printf("\n");
}

int run_score(int argc, char** argv) {
    Args a(argc, argv, "mcseg score --pred DIR --truth DIR [--json FILE] [--froc FILE.png]",
           "Score predicted MC masks (NAME_mask.png in --pred, as mcseg segment writes them) against the\n"
           "ground truth (NAME_mask.png in --truth): pixel Dice, precision and recall; MC-wise\n"
           "sensitivity (a true MC is found when a predicted MC overlaps it) and false positives per\n"
           "image; cluster-wise sensitivity and false clusters per image; and, from NAME_prob.png, the\n"
           "FROC curve (MC sensitivity against false positives per image over the threshold).\n"
           "False MCs are also given per cm² of breast (the Otsu foreground of the truth image NAME.png\n"
           "or NAME.dcm), with the FROC sensitivity at 0.1, 0.3 and 1 false MC per cm² (interpolated in\n"
           "log FP rate; n/a where the curve does not reach the rate).");
    a.option("--pred", "DIR", "folder of predictions (mcseg segment --out)");
    a.option("--truth", "DIR", "folder of ground truth (mcseg synth --out)");
    a.option("--json", "FILE", "write the scores as JSON", "-");
    a.option("--froc", "FILE", "write the FROC curve as a PNG", "-");
    a.option("--pixel-spacing", "MM", "spacing when no JSON sidecar gives it", "0.05");
    a.option("--min-mc", "MM", "FROC: drop predicted MCs smaller than a disc of this diameter, as segment does", "0.1");
    a.flag("--subset", "score only the predicted images (the truth folder may hold more)");
    if (a.parse()) return 0;
    const FolderScore f = score_folders(a.get("--pred"), a.get("--truth"),
                                        checked_spacing_mm(a.get_double("--pixel-spacing", 0, 10), "--pixel-spacing"),
                                        a.get_double("--min-mc", 0, 10), a.get_flag("--subset"));
    const MaskScore& total = f.total;
    const double n = double(f.names.size());
    std::printf("%zu images: Dice %.4f  precision %.4f  recall %.4f\n", f.names.size(), total.dice(), total.precision(),
                total.recall());
    std::printf("MCs: sensitivity %.4f (%lld of %lld)  false positives per image %.2f\n", total.mc_sensitivity(),
                (long long)total.found_mcs, (long long)total.true_mcs, total.false_mcs / n);
    std::printf("clusters: sensitivity %.4f (%lld of %lld)  false clusters per image %.2f\n", total.cluster_sensitivity(),
                (long long)total.found_clusters, (long long)total.true_clusters, total.false_clusters / n);
    print_per_cm2(f);
    if (a.given("--json")) {
        std::ofstream out(a.get("--json"));
        out << f.to_json().dump(2) << "\n";
        if (!out) fail("cannot write '", a.get("--json"), "'");
    }
    if (a.given("--froc")) {
        if (f.froc.empty()) fail("no NAME_prob.png for every prediction: cannot draw the FROC curve");
        draw_froc(f.froc, a.get("--froc"));
    }
    return 0;
}

const RegisterCommand reg{{"score", "score predicted masks against ground truth (Dice, MC-wise, clusters, FROC)", run_score}};

}  // namespace
}  // namespace mcseg
