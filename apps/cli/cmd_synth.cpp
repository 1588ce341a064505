// apps/cli/cmd_synth.cpp — `mcseg synth`: a folder of synthetic mammograms with ground truth
// (apps/synth/dataset.h names and writes them).
#include <cstdio>

#include "apps/cli/args.h"
#include "apps/cli/commands.h"
#include "apps/terminal/progress.h"
#include "apps/synth/dataset.h"
#include "engine/error.h"

namespace mcseg {
namespace {

int run_synth(int argc, char** argv) {
    Args a(argc, argv, "mcseg synth --seed S --count K [--width W --height H] [--film] [--preview] --out DIR",
           "Make synthetic mammograms with microcalcification masks and JSON ground truth.");
    a.option("--seed", "S", "random seed", "1");
    a.option("--count", "K", "number of images", "1");
    a.option("--first", "I", "index of the first image (to extend a dataset)", "0");
    a.option("--width", "W", "width in pixels", "4095");
    a.option("--height", "H", "height in pixels", "5625");
    a.option("--spacing", "MM", "pixel spacing in mm", "0.05");
    a.flag("--film", "digitised-film variant (grain, digitiser blur, scanner noise)");
    a.flag("--preview", "also write NAME_preview.png (overview + zoomed clusters)");
    a.option("--out", "DIR", "output folder");
    if (a.parse()) return 0;
    SynthConfig cfg;
    cfg.width = int(a.get_int("--width", 64, 65535));
    cfg.height = int(a.get_int("--height", 64, 65535));
    cfg.spacing_mm = a.get_double("--spacing", 0.001, 10);
    cfg.film = a.get_flag("--film");
    const long long seed = a.get_int("--seed", 0, kMaxSeed);
    const std::string out = a.get("--out");
    SynthDatasetSummary r = synth_dataset(cfg, uint64_t(seed), a.get_int("--first", 0, 1000000000), a.get_int("--count", 1, 1000000), out,
                                          a.get_flag("--preview"));
    std::printf("synth: %lld images (%dx%d, %.3f mm, %s) in %s: %lld MCs in %lld clusters -> %s\n", r.images, cfg.width,
                cfg.height, cfg.spacing_mm, cfg.film ? "film" : "digital", format_duration(r.seconds).c_str(), r.mcs,
                r.clusters, out.c_str());
    return 0;
}

const RegisterCommand reg{{"synth", "make synthetic mammograms with MC masks and JSON ground truth", run_synth}};

}  // namespace
}  // namespace mcseg
