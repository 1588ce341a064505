// apps/cmd_synth.cpp — `mcseg synth`: a folder of synthetic mammograms with ground truth.
//
// Image k (0-based) is named synth_SSSS_KKKK (seed, index) and written as NAME.png (16-bit),
// NAME_mask.png (8-bit, 0/255), NAME.json, and with --preview NAME_preview.png. Images are made
// in parallel (OpenMP, one image per thread); each depends only on (seed, index).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "apps/cli.h"
#include "apps/progress.h"
#include "apps/synth.h"
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
    cfg.width = int(a.get_int("--width"));
    cfg.height = int(a.get_int("--height"));
    cfg.spacing_mm = a.get_double("--spacing");
    cfg.film = a.get_flag("--film");
    const long long seed = a.get_int("--seed"), count = a.get_int("--count"), first = a.get_int("--first");
    if (seed < 0) fail("--seed must be >= 0");
    if (count < 1 || count > 100000) fail("--count must be in 1..100000, got ", count);
    if (first < 0) fail("--first must be >= 0");
    const std::string out = a.get("--out");
    const bool preview = a.get_flag("--preview");
    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    if (ec) fail("cannot create folder '", out, "': ", ec.message());

    Progress progress("synth", count);
    std::atomic<long long> done{0}, mcs{0}, clusters{0};
    std::string error;
    auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel for schedule(dynamic, 1)
    for (long long k = first; k < first + count; ++k) {
        try {
            char name[64];
            std::snprintf(name, sizeof name, "synth_%04lld_%04lld", seed, k);
            SynthImage img = synthesize(cfg, uint64_t(seed), int(k));
            write_synth(img, out, name);
            if (preview) write_synth_preview(img, (std::filesystem::path(out) / (std::string(name) + "_preview.png")).string());
            mcs += img.mcs.size();
            clusters += img.clusters.size();
        } catch (const Error& e) {
#pragma omp critical(synth_error)
            if (error.empty()) error = e.what();
        }
        long long d = ++done;
#pragma omp critical(synth_progress)
        progress.update(d);
    }
    if (!error.empty()) fail(error);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    progress.finish();
    std::printf("synth: %lld images (%dx%d, %.3f mm, %s) in %s: %lld MCs in %lld clusters -> %s\n", count, cfg.width,
                cfg.height, cfg.spacing_mm, cfg.film ? "film" : "digital", format_duration(secs).c_str(),
                (long long)mcs, (long long)clusters, out.c_str());
    return 0;
}

const RegisterCommand reg{{"synth", "make synthetic mammograms with MC masks and JSON ground truth", run_synth}};

}  // namespace
}  // namespace mcseg
