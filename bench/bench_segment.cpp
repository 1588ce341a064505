// bench/bench_segment.cpp — `mcseg bench segment`: the whole pipeline on one full-field synthetic
// mammogram (4095×5625 at 0.05 mm; the demo's, apps/synth/synth.h kDemoSeed), timed per stage,
// against the paper's 20 s per mammogram on a GTX 970.
//
// Prints one JSON object: the mode (dense or exact, apps/segment/pipeline.h), seconds (end to end,
// excluding the synthesis of the test image), stages (seconds and GFLOP done of each), gflop,
// achieved GFLOP/s, the fraction of the device's FP32 peak (CPU here: 2 cores × 2.8 GHz × 2
// AVX-512 FMA × 16 lanes × 2 = 358 GFLOP/s; H100 SXM: 67 TFLOP/s), the device, and what was
// found (MCs, clusters, MC sensitivity, Dice against the synthetic truth). In dense mode it also
// runs the exact mode once (unless --no-compare) and adds its seconds per stage and the pixel
// Dice between the two MC masks (dice_vs_exact).
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "apps/cli/args.h"
#include "apps/evaluation/mask_score.h"
#include "apps/segment/pipeline.h"
#include "apps/segment/report.h"
#include "nets/weights.h"
#include "apps/synth/synth.h"
#include "bench/bench.h"
#include "engine/error.h"

namespace mcseg {
namespace {

int run(int argc, char** argv) {
    Args a(argc, argv, "mcseg bench segment [--mode dense|exact] [--no-compare] [--device D] [--weights-dir DIR]",
           "Time the two-stage segmentation of a fixed full-field synthetic mammogram.");
    a.option("--mode", "M", "dense or exact (apps/segment/pipeline.h)", "dense");
    a.option("--tile", "PX", "dense: block of patch positions per trunk run (multiple of 4)", "256");
    a.flag("--no-compare", "dense: skip the exact run that dice_vs_exact and exact_seconds come from");
    a.option("--device", "D", "cpu, cuda or auto", "auto");
    a.option("--weights-dir", "DIR", "folder with the shipped weights", "weights");
    a.option("--seed", "S", "synthetic image seed", std::to_string(kDemoSeed));
    a.option("--index", "K", "synthetic image index", std::to_string(kDemoIndex));
    a.option("--peak-gflops", "G", "device FP32 peak for the fraction (default: 358 CPU, 67000 CUDA)", "0");
    if (a.parse()) return 0;
    Device device = resolve_device(a.get("--device"));
    const std::string wd = a.get("--weights-dir");
    Network det = load_network_of_kind(shipped_weights(wd, "detector"), "detector", device);
    SegmentOptions opt;  // at the Segmentator's operating point, as mcseg segment
    Network seg = load_segmentator(shipped_weights(wd, "segmentator"), device, &opt.segmentator_threshold);

    SynthImage s = synthesize(SynthConfig{}, uint64_t(a.get_int("--seed", 0, kMaxSeed)), int(a.get_int("--index", 0, 1000000000)));
    const GrayImage img = gray_image(s);

    opt.mode = a.get("--mode");
    opt.tile = int(a.get_int("--tile", 4, 65536));
    opt.validate();
    SegmentResult r = segment_mammogram(img, det, seg, opt);
    MaskScore score = score_masks(r.mask, s.mask, img.width, img.height, img.pixel_spacing_mm);
    double peak = a.get_double("--peak-gflops", 0, 1e9);
    if (peak <= 0) peak = device == Device::CPU ? 358.0 : 67000.0;
    nlohmann::ordered_json j{{"case", "segment"},
                             {"mode", opt.mode},
                             {"device", backend_for(device).name()},
                             {"image", cat("synthetic seed ", a.get("--seed"), " index ", a.get("--index"), " ",
                                           img.width, "x", img.height)},
                             {"seconds", r.seconds()},
                             {"target_seconds", device == Device::CPU ? 20.0 : 1.0},
                             {"stages", nlohmann::ordered_json::object()},
                             {"gflop", r.gflop()},
                             {"gflops", r.gflop() / r.seconds()},
                             {"peak_fraction", r.gflop() / r.seconds() / peak},
                             {"windows", r.windows},
                             {"positive_windows", r.positive_windows},
                             {"candidate_pixels", r.candidate_pixels},
                             {"mcs_found", r.mcs.components.size()},
                             {"clusters_found", r.clusters.size()},
                             {"true_mcs", s.mcs.size()},
                             {"true_clusters", s.clusters.size()},
                             {"mc_sensitivity", score.mc_sensitivity()},
                             {"dice", score.dice()}};
    for (const auto& st : r.stages) j["stages"][st.name] = {{"seconds", st.seconds}, {"gflop", st.gflop}};
    if (opt.mode == "dense" && !a.get_flag("--no-compare")) {
        opt.mode = "exact";
        SegmentResult exact = segment_mammogram(img, det, seg, opt);
        j["exact_seconds"] = exact.seconds();
        j["exact_stages"] = nlohmann::ordered_json::object();
        for (const auto& st : exact.stages)
            j["exact_stages"][st.name] = {{"seconds", st.seconds}, {"gflop", st.gflop}};
        j["exact_mcs_found"] = exact.mcs.components.size();
        j["exact_clusters_found"] = exact.clusters.size();
        j["dice_vs_exact"] = score_masks(r.mask, exact.mask, img.width, img.height, img.pixel_spacing_mm).dice();
    }
    std::printf("%s\n", j.dump().c_str());
    return 0;
}

const RegisterBench reg{{"segment", "whole-pipeline time on a full-field synthetic mammogram", run}};

}  // namespace
}  // namespace mcseg
