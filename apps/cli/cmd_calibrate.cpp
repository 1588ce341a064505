// apps/cli/cmd_calibrate.cpp — `mcseg calibrate`: choose a trained network's decision threshold on the
// validation split and store it in its weights (apps/evaluation/threshold.h says why and how).
#include <cstdio>

#include "apps/cli/args.h"
#include "apps/cli/commands.h"
#include "apps/evaluation/threshold.h"
#include "engine/error.h"

namespace mcseg {
namespace {

int run_calibrate(int argc, char** argv) {
    Args a(argc, argv,
           "mcseg calibrate --weights FILE --db FILE [--out FILE]\n"
           "       mcseg calibrate --weights SEGMENTATOR --froc SCORE.json --fp-per-cm2 F [--out FILE]",
           "Choose the probability above which a trained network calls a patch positive: score the\n"
           "validation split at thresholds 0.05, 0.10, ..., 0.95 with Table 1's overall accuracy, keep\n"
           "the best (ties: nearest 0.5) and write it into the weights (metadata mcseg.threshold),\n"
           "which mcseg eval then decides at. The test split is refused.\n"
           "With --froc, choose the whole-image operating point instead: the lowest Segmentator\n"
           "threshold whose false MCs per cm² of breast, on the FROC of validation mammograms\n"
           "(mcseg segment them with these weights, then mcseg score --json), are at most F; it is\n"
           "written as mcseg.pipeline_threshold, mcseg segment's default --threshold.");
    a.option("--weights", "FILE", "weights written by mcseg train (best.safetensors)");
    a.option("--db", "FILE", "patch database made by mcseg patches", "-");
    a.option("--froc", "FILE", "score.json of validation mammograms (whole-image operating point)", "-");
    a.option("--fp-per-cm2", "F", "with --froc: false MCs per cm² of breast allowed", "0.3");
    a.option("--out", "FILE", "where to write the calibrated weights (default: --weights, in place)", "-");
    a.option("--split", "S", "split to choose on: val or train", "val");
    a.option("--per-class", "M", "patches per class (fewer when a class has fewer)", "5000");
    a.option("--device", "D", "cpu, cuda or auto", "auto");
    if (a.parse()) return 0;
    const std::string out = a.given("--out") ? a.get("--out") : a.get("--weights");
    if (a.given("--froc") == a.given("--db")) fail("give either --db (patch threshold) or --froc (operating point)");
    if (a.given("--froc")) {
        const double t = calibrate_operating_point(a.get("--weights"), a.get("--froc"),
                                                   a.get_double("--fp-per-cm2", 0, 1e6), out);
        std::printf("operating threshold %.4f (at most %s false MCs per cm² on %s) -> %s\n", t,
                    a.get("--fp-per-cm2").c_str(), a.get("--froc").c_str(), out.c_str());
        return 0;
    }
    Calibration c = calibrate_on_db(a.get("--weights"), a.get("--db"), a.get("--split"),
                                    size_t(a.get_int("--per-class", 1, 100000000)), resolve_device(a.get("--device")), out);
    std::printf("%s\nthreshold %.2f on the %s split -> %s\n", sweep_markdown(c.sweep, c.threshold).c_str(),
                c.threshold, a.get("--split").c_str(), out.c_str());
    return 0;
}

const RegisterCommand reg{{"calibrate", "choose a network's decision threshold on validation data", run_calibrate}};

}  // namespace
}  // namespace mcseg
