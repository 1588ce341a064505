// apps/cli/cmd_calibrate.cpp — `mcseg calibrate`: choose a trained network's decision threshold on the
// validation split and store it in its weights (apps/evaluation/threshold.h says why and how).
#include <cstdio>

#include "apps/cli/args.h"
#include "apps/cli/commands.h"
#include "apps/evaluation/threshold.h"

namespace mcseg {
namespace {

int run_calibrate(int argc, char** argv) {
    Args a(argc, argv, "mcseg calibrate --weights FILE --db FILE [--out FILE]",
           "Choose the probability above which a trained network calls a patch positive: score the\n"
           "validation split at thresholds 0.05, 0.10, ..., 0.95 with Table 1's overall accuracy, keep\n"
           "the best (ties: nearest 0.5) and write it into the weights (metadata mcseg.threshold),\n"
           "which mcseg eval then decides at. The test split is refused. mcseg segment keeps its own\n"
           "thresholds: a mammogram's mix of patches is not Table 1's.");
    a.option("--weights", "FILE", "weights written by mcseg train (best.safetensors)");
    a.option("--db", "FILE", "patch database made by mcseg patches");
    a.option("--out", "FILE", "where to write the calibrated weights (default: --weights, in place)", "-");
    a.option("--split", "S", "split to choose on: val or train", "val");
    a.option("--per-class", "M", "patches per class (fewer when a class has fewer)", "5000");
    a.option("--device", "D", "cpu, cuda or auto", "auto");
    if (a.parse()) return 0;
    const std::string out = a.given("--out") ? a.get("--out") : a.get("--weights");
    Calibration c = calibrate_on_db(a.get("--weights"), a.get("--db"), a.get("--split"),
                                    size_t(a.get_int("--per-class", 1, 100000000)), resolve_device(a.get("--device")), out);
    std::printf("%s\nthreshold %.2f on the %s split -> %s\n", sweep_markdown(c.sweep, c.threshold).c_str(),
                c.threshold, a.get("--split").c_str(), out.c_str());
    return 0;
}

const RegisterCommand reg{{"calibrate", "choose a network's decision threshold on validation data", run_calibrate}};

}  // namespace
}  // namespace mcseg
