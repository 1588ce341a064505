// apps/cli/cmd_segment.cpp — `mcseg segment`: whole mammograms in (PNG or DICOM), MC masks, clusters,
// overlays and JSON reports out (apps/segment/pipeline.h does the work, apps/segment/report.h the files).
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>

#include "apps/cli/args.h"
#include "apps/cli/commands.h"
#include "apps/terminal/progress.h"
#include "apps/io/image.h"
#include "apps/segment/pipeline.h"
#include "apps/segment/report.h"
#include "engine/error.h"
#include "nets/weights.h"

namespace mcseg {
namespace {

namespace fs = std::filesystem;

struct BarUser {
    std::unique_ptr<Progress> bar;
    std::string stage, name;
};

void on_progress(void* user, const char* stage, int64_t done, int64_t total) {
    auto* u = static_cast<BarUser*>(user);
    if (u->stage != stage) {
        if (u->bar) u->bar->finish();
        u->bar = std::make_unique<Progress>(u->name + " " + stage, total);
        u->stage = stage;
    }
    u->bar->update(done, "", 1.0, "patches/s");
}

SegmentOptions segment_options(const Args& a) {
    SegmentOptions opt;
    opt.detector_threshold = a.get_double("--detector-threshold", 0, 1);
    opt.segmentator_threshold = a.get_double("--threshold", 0, 1);
    opt.min_mc_mm = a.get_double("--min-mc", 0, 10);
    opt.override_spacing_mm = a.get_double("--pixel-spacing", 0, 10);  // 0: from the file
    opt.whole_image = a.get_flag("--roi");
    opt.resample = !a.get_flag("--no-resample");
    opt.batch = int(a.get_int("--batch", 1, 65536));
    opt.mode = a.get("--mode");
    opt.tile = int(a.get_int("--tile", 4, 65536));
    opt.validate();
    return opt;
}

// The two networks (cnn) or the DoG baseline's parameters (classic), and what the reports say of them.
struct Method {
    std::unique_ptr<Network> det, seg;  // null for the classic method
    DogParams dog;
    nlohmann::ordered_json info;
};

// Also sets opt's Segmentator threshold when --threshold is not given: the operating point stored in
// its weights (mcseg calibrate --froc), else 0.5.
Method load_method(const Args& a, SegmentOptions& opt) {
    Method m;
    const std::string method = a.get("--method");
    if (method != "cnn" && method != "classic") fail("--method must be cnn or classic, not '", method, "'");
    m.info = {{"method", method}};
    m.dog.threshold = a.get_double("--classic-threshold", 0, 1000);
    if (method == "classic") {
        m.info["device"] = "cpu";
        m.info["classic_threshold"] = m.dog.threshold;
        return m;
    }
    const Device device = resolve_device(a.get("--device"));
    const std::string wd = a.get("--weights-dir");
    const std::string det_path = a.given("--detector") ? a.get("--detector") : shipped_weights(wd, "detector");
    const std::string seg_path = a.given("--segmentator") ? a.get("--segmentator") : shipped_weights(wd, "segmentator");
    m.det = std::make_unique<Network>(load_network_of_kind(det_path, "detector", device));
    double operating_point = 0.5;
    m.seg = std::make_unique<Network>(load_segmentator(seg_path, device, &operating_point));
    check_stage_networks(*m.det, *m.seg);
    if (!a.given("--threshold")) opt.segmentator_threshold = operating_point;
    m.info["threshold"] = opt.segmentator_threshold;
    m.info["device"] = backend_for(device).name();
    m.info["detector"] = det_path;
    m.info["segmentator"] = seg_path;
    m.info["patch"] = m.det->config().patch;
    return m;
}

// Segments one image into out/, printing a line; a failure is printed, not thrown (the other
// images still run). Returns whether it succeeded.
bool segment_file(const std::string& path, const std::string& out, const Method& m, const SegmentOptions& opt) {
    const std::string name = fs::path(path).stem().string();
    try {
        GrayImage img = read_image(path);
        BarUser user{nullptr, "", name};
        SegmentResult r = m.det ? segment_mammogram(img, *m.det, *m.seg, opt, on_progress, &user)
                                : segment_dog(img, m.dog, opt);
        if (user.bar) user.bar->finish();
        nlohmann::ordered_json j = m.info;
        j["image"] = path;
        write_segment_outputs(r, img, out, name, j);
        std::printf("%s: %zu MCs, %zu clusters, %.1f s (%lld windows, %lld positive, %lld pixels segmented) -> %s\n",
                    name.c_str(), r.mcs.components.size(), r.clusters.size(), r.seconds(), (long long)r.windows,
                    (long long)r.positive_windows, (long long)r.candidate_pixels,
                    (fs::path(out) / (name + "_overlay.png")).string().c_str());
        std::fflush(stdout);
        return true;
    } catch (const Error& e) {
        // Name the image unless the message already does.
        std::string msg = e.what();
        if (msg.find(path) == std::string::npos) msg = path + ": " + msg;
        std::fprintf(stderr, "mcseg segment: error: %s\n", msg.c_str());
        return false;
    }
}

// Outputs are named after the image: two images of one name would overwrite each other's.
void check_unique_names(const std::vector<std::string>& paths) {
    std::map<std::string, std::string> seen;
    for (const std::string& path : paths) {
        const auto [it, fresh] = seen.emplace(fs::path(path).stem().string(), path);
        if (!fresh) fail("'", it->second, "' and '", path, "' would both write ", it->first, "_*.png; segment them into different --out folders");
    }
}

int run_segment(int argc, char** argv) {
    Args a(argc, argv,
           "mcseg segment IMAGE... --out DIR [--method cnn|classic] [--mode dense|exact] [--weights-dir DIR] "
           "[--device D]",
           "Segment microcalcifications in whole mammograms (8/16-bit grayscale PNG or DICOM): Otsu\n"
           "background removal, the Detector on N×N windows overlapping by N/2, the Segmentator on\n"
           "every pixel of the candidate windows, MC labelling and clusters (> 5 MCs per cm²). Writes\n"
           "NAME_mask.png, NAME_prob.png, NAME_overlay.png and NAME.json per image into DIR.\n"
           "--mode dense shares the conv work of overlapping patches (exact: one patch per position).\n"
           "--method classic runs the difference-of-Gaussians baseline instead.");
    a.option("--out", "DIR", "output folder (created)");
    a.option("--method", "M", "cnn (the paper's two networks) or classic (DoG baseline)", "cnn");
    a.option("--weights-dir", "DIR", "folder with detector.safetensors and segmentator.safetensors",
             "weights");
    a.option("--detector", "FILE", "Detector weights (overrides --weights-dir)", "-");
    a.option("--segmentator", "FILE", "Segmentator weights (overrides --weights-dir)", "-");
    a.option("--device", "D", "cpu, cuda or auto", "auto");
    a.option("--pixel-spacing", "MM", "pixel spacing in mm (default: from the DICOM, else 0.05)", "0");
    a.flag("--roi", "the images are crops of tissue: keep every pixel (no background removal)");
    a.flag("--no-resample", "run the networks at the image's own spacing even when they were trained at another");
    a.option("--detector-threshold", "P", "window is a candidate above this probability", "0.5");
    a.option("--threshold", "P",
             "pixel is MC above this Segmentator probability (the weights' operating point when they store one)", "0.5");
    a.option("--min-mc", "MM", "drop MCs smaller than a disc of this diameter (mm)", "0.1");
    a.option("--classic-threshold", "Z", "classic method: DoG z-score threshold", "4.5");
    a.option("--mode", "M", "dense (conv trunk once per tile) or exact (one patch per position)", "dense");
    a.option("--tile", "PX", "dense: block of patch positions per trunk run (multiple of 4)", "256");
    a.option("--batch", "B", "patches per network call", "1024");
    if (a.parse()) return 0;
    if (a.positionals().empty()) fail("no image given (see --help)");
    check_unique_names(a.positionals());
    SegmentOptions opt = segment_options(a);
    const Method method = load_method(a, opt);
    const std::string out = a.get("--out");
    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec) fail("cannot create '", out, "': ", ec.message());
    int failed = 0;
    for (const std::string& path : a.positionals()) failed += !segment_file(path, out, method, opt);
    if (failed) fail(failed, " of ", a.positionals().size(), " images failed");
    return 0;
}

const RegisterCommand reg{{"segment", "segment MCs and clusters in whole mammograms (PNG or DICOM)", run_segment}};

}  // namespace
}  // namespace mcseg
