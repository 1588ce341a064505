// bench/bench_segment.cpp — `mcseg bench segment`: the whole pipeline on one full-field synthetic
// mammogram (4095×5625 at 0.05 mm; the demo's, apps/synth/synth.h kDemoSeed), timed per stage,
// against the paper's 20 s per mammogram on a GTX 970.
//
// Prints one JSON object: the mode (dense or exact, apps/segment/pipeline.h), seconds (end to end,
// excluding the synthesis of the test image), stages (seconds and GFLOP done of each), gflop,
// achieved GFLOP/s, the fraction of the device's FP32 peak (CPU: measured at run time,
// bench/peak.h; CUDA: --peak-gflops, default an H100/H200 SXM's 67 TFLOP/s), the device, and what was
// found (MCs, clusters, MC sensitivity, Dice against the synthetic truth). In dense mode it also
// runs the exact mode once (with --compare) and adds its seconds per stage and the pixel
// Dice between the two MC masks (dice_vs_exact).
//
// The peer (CPU, dense mode, unless --no-peer): bench/peer_torch_segment.py, the Detector and
// Segmentator stages written in PyTorch by a skilled user (its header says how it is tuned), on
// the same normalised image. Before its time counts, what it found is checked against ours:
// the same candidate pixels, and their probability bytes (round(255 P)) — peer_check gives how
// many differ at all and by more than 1, and the Dice of the two masks at the operating point.
// ratio = the peer's seconds / ours for those two stages (Otsu and labelling, which the peer
// leaves out, are not counted): above 1, we are faster.
//
// --busy-core runs ours once more beside a busy-loop process pinned to CPU 0 (another program
// taking one core, as on a shared machine) and reports busy_core_seconds and busy_core_ratio
// (that run's seconds / the quiet run's; the work is spread dynamically, so ideally about
// threads / (threads − 1/2) with the loop sharing its core).
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <omp.h>

#include "apps/cli/args.h"
#include "apps/evaluation/mask_score.h"
#include "apps/segment/pipeline.h"
#include "apps/segment/report.h"
#include "nets/weights.h"
#include "apps/synth/synth.h"
#include "bench/bench.h"
#include "bench/peak.h"
#include "bench/peer.h"
#include "engine/error.h"

namespace mcseg {
namespace {

namespace fs = std::filesystem;

template <typename T>
void write_raw(const fs::path& p, const std::vector<T>& v) {
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * sizeof(T)));
}

std::vector<uint8_t> read_bytes(const fs::path& p, size_t n) {
    std::vector<uint8_t> v(n);
    std::ifstream in(p, std::ios::binary);
    if (!in.read(reinterpret_cast<char*>(v.data()), std::streamsize(n))) fail("peer: ", p.string(), " is missing or short");
    return v;
}

// Runs the PyTorch peer on the image's network input and checks its candidates and probability
// bytes against ours (r). The JSON fields it returns go into the bench's line.
nlohmann::ordered_json run_segment_peer(const Args& a, const GrayImage& img, const Network& det,
                                        const SegmentOptions& opt, const SegmentResult& r) {
    const std::string wd = a.get("--weights-dir");
    const fs::path dir = fs::temp_directory_path() / ("mcseg_bench_segment_" + std::to_string(getpid()));
    fs::create_directories(dir);
    write_raw(dir / "input.f32", normalised_image(img, r.breast, r.spacing_mm, det.config()).px);  // ours' breast
    write_raw(dir / "breast.u8", r.breast);
    std::ofstream(dir / "meta.json") << nlohmann::json{{"width", img.width}, {"height", img.height},
                                                       {"detector", shipped_weights(wd, "detector")},
                                                       {"segmentator", shipped_weights(wd, "segmentator")},
                                                       {"detector_threshold", opt.detector_threshold}}.dump();
    const Peer peer = run_python_peer(a.get("--python"), a.get("--peer-script"),
                                      dir.string() + " --threads " + a.get("--threads"), "seconds");
    nlohmann::ordered_json j;
    if (!peer.error.empty()) {
        fs::remove_all(dir);
        j["peer"] = nullptr;
        j["peer_error"] = peer.error;
        return j;
    }
    const size_t n = size_t(img.width) * img.height;
    const std::vector<uint8_t> prob = read_bytes(dir / "prob.u8", n), cand = read_bytes(dir / "cand.u8", n);
    fs::remove_all(dir);
    int64_t cand_diff = 0, differ = 0, differ_more = 0;
    std::vector<uint8_t> ours_mask(n), peer_mask(n);
    const int t = int(std::floor(255.0 * opt.segmentator_threshold));
    for (size_t i = 0; i < n; ++i) {
        cand_diff += (cand[i] != 0) != (r.candidates[i] != 0);
        if (!cand[i] || !r.candidates[i]) continue;
        const int d = std::abs(int(prob[i]) - int(r.probability[i]));
        differ += d > 0;
        differ_more += d > 1;
        ours_mask[i] = r.probability[i] > t;
        peer_mask[i] = prob[i] > t;
    }
    const double ours_s = r.stages[1].seconds + r.stages[2].seconds, peer_s = peer.result["seconds"].get<double>();
    j["ours_network_seconds"] = ours_s;
    j["peer"] = peer_s;
    j["ratio"] = peer_s / ours_s;
    j["peer_detail"] = peer.result;
    j["peer_check"] = {{"candidate_pixels_differing", cand_diff},
                       {"probability_bytes_differing", differ},
                       {"probability_bytes_differing_by_more_than_1", differ_more},
                       {"mask_dice", score_masks(ours_mask, peer_mask, img.width, img.height, img.pixel_spacing_mm).dice()}};
    return j;
}

// A child process spinning on CPU 0 while this object lives (killed and reaped however the
// scope ends, so an error in the timed run cannot leave it spinning).
struct BusyLoop {
    pid_t pid;
    BusyLoop() : pid(fork()) {
        if (pid == 0) {
            cpu_set_t one;
            CPU_ZERO(&one);
            CPU_SET(0, &one);
            sched_setaffinity(0, sizeof one, &one);
            for (unsigned long k = 0;; ++k) __asm__ volatile("" : "+r"(k));  // spins, never optimised away
        }
        if (pid < 0) fail("bench segment: cannot start the busy loop (fork failed)");
    }
    ~BusyLoop() {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
    }
    BusyLoop(const BusyLoop&) = delete;
    BusyLoop& operator=(const BusyLoop&) = delete;
};

int run(int argc, char** argv) {
    Args a(argc, argv, "mcseg bench segment [--mode dense|exact] [--compare] [--no-peer] [--device D] [--weights-dir DIR]",
           "Time the two-stage segmentation of a fixed full-field synthetic mammogram.");
    a.option("--mode", "M", "dense or exact (apps/segment/pipeline.h)", "dense");
    a.option("--tile", "PX", "dense: block of patch positions per trunk run (multiple of 4)", "256");
    a.flag("--compare", "dense: also run the exact mode (dice_vs_exact, exact_seconds)");
    a.flag("--no-peer", "skip the PyTorch peer (CPU, dense mode)");
    a.flag("--busy-core", "also time ours beside a busy loop pinned to CPU 0 (busy_core_ratio)");
    a.option("--python", "EXE", "Python with PyTorch for the peer", "/usr/bin/python3");
    a.option("--peer-script", "PATH", "the peer script", "bench/peer_torch_segment.py");
    a.option("--threads", "T", "threads on both sides (OpenMP for ours, torch.set_num_threads for the peer)", "2");
    a.option("--device", "D", "cpu, cuda or auto", "auto");
    a.option("--weights-dir", "DIR", "folder with the shipped weights", "weights");
    a.option("--seed", "S", "synthetic image seed", std::to_string(kDemoSeed));
    a.option("--index", "K", "synthetic image index", std::to_string(kDemoIndex));
    a.option("--peak-gflops", "G", "device FP32 peak for the fraction (default: measured on the CPU, 67000 CUDA)", "0");
    if (a.parse()) return 0;
    omp_set_num_threads(int(a.get_int("--threads", 1, 1024)));
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
    if (peak <= 0) peak = device == Device::CPU ? measured_peak_gflops() : 67000.0;
    nlohmann::ordered_json j{{"case", "segment"},
                             {"mode", opt.mode},
                             {"device", backend_for(device).name()},
                             {"machine", device == Device::CPU ? machine_name() : backend_for(device).name()},
                             {"image", cat("synthetic seed ", a.get("--seed"), " index ", a.get("--index"), " ",
                                           img.width, "x", img.height)},
                             {"seconds", r.seconds()},
                             {"target_seconds", device == Device::CPU ? 20.0 : 1.0},
                             {"stages", nlohmann::ordered_json::object()},
                             {"gflop", r.gflop()},
                             {"gflops", r.gflop() / r.seconds()},
                             {"peak_gflops", peak},
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
    if (opt.mode == "dense" && device == Device::CPU && !a.get_flag("--no-peer")) j.update(run_segment_peer(a, img, det, opt, r));
    if (a.get_flag("--busy-core")) {
        double s_busy = 0;
        {
            BusyLoop busy;
            s_busy = segment_mammogram(img, det, seg, opt).seconds();
        }
        j["busy_core_seconds"] = s_busy;
        j["busy_core_ratio"] = s_busy / r.seconds();
    }
    if (opt.mode == "dense" && a.get_flag("--compare")) {
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
