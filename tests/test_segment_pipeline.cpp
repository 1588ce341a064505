// tests/test_segment_pipeline.cpp — the two-stage pipeline's mechanics with small untrained
// networks (what it evaluates, where, and what it writes), and `mcseg segment`'s bad inputs.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "apps/cli/commands.h"
#include "apps/io/image.h"
#include "apps/segment/pipeline.h"
#include "apps/synth/synth.h"
#include "engine/error.h"
#include "engine/safetensors.h"

using namespace mcseg;
namespace fs = std::filesystem;

namespace {

NetConfig small_net(int patch) {
    NetConfig c;
    c.patch = patch;
    c.filters = 2;
    c.fc = 4;
    return c;
}

GrayImage small_mammogram() {
    SynthConfig cfg;
    cfg.width = 300;
    cfg.height = 360;
    return gray_image(synthesize(cfg, 5, 0));
}

// Runs `mcseg <words...>` in-process; returns the error message ("" when it succeeded).
std::string run_cli(std::vector<std::string> words) {
    try {
        run_command(std::move(words));
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

void save_weights(Network& net, const std::string& kind, const fs::path& path) {
    std::vector<std::pair<std::string, Tensor>> t;
    for (auto& [name, p] : net.state()) t.emplace_back(name, *p);
    save_safetensors(path.string(), t, {{"mcseg.net", net.config().to_json()}, {"mcseg.kind", kind}});
}

}  // namespace

TEST_CASE("segment: window starts cover the image with half overlap") {
    CHECK(window_starts(100, 29, 14) == std::vector<int>{0, 14, 28, 42, 56, 70, 71});
    CHECK(window_starts(29, 29, 14) == std::vector<int>{0});
    CHECK(window_starts(56, 29, 14) == std::vector<int>{0, 14, 27});
}

TEST_CASE("segment: the pipeline evaluates breast windows and only candidate pixels") {
    GrayImage img = small_mammogram();
    Network det(small_net(29), 1), seg(small_net(29), 2);
    SegmentOptions opt;
    opt.detector_threshold = 0.0;  // every window positive: the whole breast is a candidate
    SegmentResult r = segment_mammogram(img, det, seg, opt);
    CHECK(r.windows > 0);
    CHECK(r.windows <= int64_t(window_starts(img.width, 29, 14).size() * window_starts(img.height, 29, 14).size()));
    CHECK(r.positive_windows == r.windows);
    int64_t breast = std::count(r.breast.begin(), r.breast.end(), uint8_t(1));
    CHECK(r.candidate_pixels == breast);
    for (size_t i = 0; i < r.mask.size(); ++i) {
        REQUIRE((!r.mask[i] || r.candidates[i]));
        REQUIRE((!r.candidates[i] || r.breast[i]));
    }
    CHECK(r.stages.size() == 4);
    CHECK(r.gflop() > 0);
    CHECK(r.spacing_mm == 0.05);

    opt.detector_threshold = 1.0;  // no window positive: nothing to segment
    SegmentResult none = segment_mammogram(img, det, seg, opt);
    CHECK(none.positive_windows == 0);
    CHECK(none.candidate_pixels == 0);
    CHECK(none.mcs.components.empty());
}

TEST_CASE("segment: bad inputs are clear errors") {
    Network det(small_net(29), 1), seg(small_net(29), 2), seg39(small_net(39), 3);
    GrayImage tiny;
    tiny.width = 20;
    tiny.height = 40;
    tiny.pixels.assign(20 * 40, 100);
    CHECK_THROWS_WITH_AS(segment_mammogram(tiny, det, seg, {}), doctest::Contains("smaller than the 29x29"), Error);
    GrayImage flat = small_mammogram();
    std::fill(flat.pixels.begin(), flat.pixels.end(), 1000);
    CHECK_THROWS_WITH_AS(segment_mammogram(flat, det, seg, {}), doctest::Contains("background"), Error);
    CHECK_THROWS_WITH_AS(segment_mammogram(small_mammogram(), det, seg39, {}), doctest::Contains("patch"), Error);

    fs::path dir = fs::temp_directory_path() / "mcseg_test_segment_cli";
    fs::remove_all(dir);
    fs::create_directories(dir);
    save_weights(det, "detector", dir / "det.safetensors");
    save_weights(seg, "segmentator", dir / "seg.safetensors");
    GrayImage img = small_mammogram();
    write_png_gray16((dir / "m.png").string(), img.width, img.height, img.pixels.data());
    std::vector<uint8_t> rgb(12 * 12 * 3, 7);
    write_png_rgb8((dir / "colour.png").string(), 12, 12, rgb.data());
    std::ofstream(dir / "corrupt.png") << "not a png";
    const std::string out = (dir / "out").string(), d = (dir / "det.safetensors").string(),
                      s = (dir / "seg.safetensors").string();

    // A good run writes the four files per image.
    CHECK(run_cli({"segment", (dir / "m.png").string(), "--out", out, "--detector", d, "--segmentator", s,
                   "--device", "cpu"}) == "");
    for (const char* suffix : {"_mask.png", "_prob.png", "_overlay.png", ".json"})
        CHECK(fs::exists(fs::path(out) / (std::string("m") + suffix)));
    // Weights of the wrong kind, a missing weights file.
    CHECK(run_cli({"segment", (dir / "m.png").string(), "--out", out, "--detector", s, "--segmentator", s})
              .find("not a detector") != std::string::npos);
    CHECK(run_cli({"segment", (dir / "m.png").string(), "--out", out, "--detector", d, "--segmentator",
                   (dir / "nope.safetensors").string()})
              .find("not found") != std::string::npos);
    // Missing, corrupt and colour images fail (each reported), the good one is still written.
    std::string e = run_cli({"segment", (dir / "missing.png").string(), (dir / "corrupt.png").string(),
                             (dir / "colour.png").string(), (dir / "m.png").string(), "--out", out, "--method",
                             "classic"});
    CHECK(e.find("3 of 4 images failed") != std::string::npos);
    CHECK(run_cli({"segment", "--out", out}).find("no image") != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("segment: an image at another spacing runs at the networks' spacing and comes back to its own grid") {
    SynthConfig cfg;
    cfg.width = 300;
    cfg.height = 360;
    cfg.spacing_mm = 0.07;
    const GrayImage img = gray_image(synthesize(cfg, 5, 0));
    NetConfig c = small_net(29);
    c.spacing_mm = 0.05;
    Network det(c, 1), seg(c, 2);
    SegmentOptions opt;
    opt.detector_threshold = 0.0;  // the whole breast is a candidate
    const SegmentResult r = segment_mammogram(img, det, seg, opt);
    CHECK(r.width == img.width);
    CHECK(r.height == img.height);
    CHECK(r.spacing_mm == doctest::Approx(0.07));
    CHECK(std::any_of(r.stages.begin(), r.stages.end(), [](const SegmentStage& s) { return s.name == "resample"; }));
    // At 0.07 / 0.05 = 1.4 the networks saw about 1.4^2 as many windows as at the image's own size.
    opt.resample = false;
    const SegmentResult own = segment_mammogram(img, det, seg, opt);
    CHECK(std::none_of(own.stages.begin(), own.stages.end(), [](const SegmentStage& s) { return s.name == "resample"; }));
    CHECK(double(r.windows) / double(own.windows) == doctest::Approx(1.96).epsilon(0.2));
    CHECK(double(r.candidate_pixels) == doctest::Approx(double(std::count(r.breast.begin(), r.breast.end(), uint8_t(1)))).epsilon(0.01));
    // Networks of unrecorded spacing run on the image as it is.
    Network det0(small_net(29), 1), seg0(small_net(29), 2);
    opt.resample = true;
    CHECK(segment_mammogram(img, det0, seg0, opt).windows == own.windows);
}
