// tests/test_train_threshold.cpp — the decision threshold (apps/evaluation/threshold.h): deciding
// outcomes again at a threshold, the sweep's choice by Table 1's overall accuracy with ties
// going to 0.5, the threshold read back from weights metadata with bad values refused, and the
// whole-image operating point read off a FROC curve and stored in a Segmentator's weights.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "apps/evaluation/threshold.h"
#include "apps/evaluation/class_error_table.h"
#include "engine/safetensors.h"
#include "tests/test_data_fixture.h"

using namespace mcseg;
namespace fs = std::filesystem;

namespace {

// `n` outcomes of class `cls`, every one with probability `p` of being positive.
void add(std::vector<PatchOutcome>& o, int cls, float p, int n) {
    for (int i = 0; i < n; ++i) o.push_back({"img", "img_mask.png", i, 0, cls, p, false});
}

}  // namespace

TEST_CASE("threshold: outcomes decided again at a threshold give the per-class errors of those decisions") {
    std::vector<PatchOutcome> o;
    add(o, 1, 0.9f, 4);  // C1, confidently positive
    add(o, 3, 0.3f, 4);  // C3, positive for the Detector, but shy
    add(o, 4, 0.2f, 3);  // C4, negative
    add(o, 4, 0.6f, 1);  // one C4 the network calls positive at 0.5
    EvalResult base;
    base.loss = 0.25;
    EvalResult r = decide_at(o, Task::Detector, 0.5, base);
    CHECK(r.loss == 0.25);
    CHECK(r.class_error[1] == 0);
    CHECK(std::isnan(r.class_error[2]));
    CHECK(r.class_error[3] == 1);
    CHECK(r.class_error[4] == doctest::Approx(0.25));
    CHECK(r.accuracy == doctest::Approx(7.0 / 12));
    CHECK(!o[4].correct);
    r = decide_at(o, Task::Detector, 0.25, base);
    CHECK(r.class_error[3] == 0);
    CHECK(r.class_error[4] == doctest::Approx(0.25));
    CHECK(o[4].correct);
    // For the Segmentator only C1 is positive: the C3 patches are right at 0.5, wrong at 0.25.
    r = decide_at(o, Task::Segmentator, 0.25, base);
    CHECK(r.class_error[3] == 1);
}

TEST_CASE("threshold: the sweep keeps the threshold of the best overall accuracy, ties going to 0.5") {
    std::vector<PatchOutcome> o;
    add(o, 1, 0.99f, 10);
    add(o, 2, 0.32f, 10);  // right at any threshold below 0.32
    add(o, 4, 0.12f, 10);  // right at any threshold of 0.12 and above
    std::vector<ThresholdRow> sweep = threshold_sweep(o, Task::Detector, EvalResult{});
    REQUIRE(sweep.size() == 19);
    CHECK(sweep.front().threshold == doctest::Approx(0.05));
    CHECK(sweep.back().threshold == doctest::Approx(0.95));
    // 0.15, 0.20, 0.25 and 0.30 all separate the classes; 0.30 is the nearest to 0.5.
    CHECK(best_threshold(sweep) == doctest::Approx(0.30));
    CHECK(overall_accuracy(sweep[5].result) == doctest::Approx(1.0));
    CHECK(sweep_markdown(sweep, 0.30).find("| 0.30 (chosen) |") != std::string::npos);
    // A network that separates its classes at every threshold keeps the arg-max.
    std::vector<PatchOutcome> clean;
    add(clean, 1, 0.999f, 5);
    add(clean, 4, 0.001f, 5);
    CHECK(best_threshold(threshold_sweep(clean, Task::Segmentator, EvalResult{})) == doctest::Approx(0.5));
}

TEST_CASE("threshold: read back from weights metadata, 0.5 when absent, bad values refused") {
    CHECK(stored_threshold({}, "w.safetensors") == 0.5);
    CHECK(stored_threshold({{"mcseg.threshold", "0.35"}}, "w.safetensors") == doctest::Approx(0.35));
    for (const char* bad : {"", "abc", "0.3x", "1.5", "0", "nan"}) {
        CAPTURE(bad);
        const std::string msg = test::error_of([&] { stored_threshold({{"mcseg.threshold", bad}}, "w.safetensors"); });
        CHECK(msg.find("'w.safetensors': metadata mcseg.threshold") != std::string::npos);
    }
}

namespace {

// A score.json FROC point: threshold k/255 on the 8-bit map, its false MCs per cm².
nlohmann::json froc_point(int k, double fp_per_cm2) {
    return {{"threshold", k / 255.0}, {"mc_sensitivity", 0.5}, {"fp_per_image", 1.0}, {"fp_per_cm2", fp_per_cm2}};
}

}  // namespace

TEST_CASE("threshold: the whole-image operating point is the lowest FROC threshold within the false-MC budget") {
    const nlohmann::json score = {{"froc", {froc_point(127, 2.0), froc_point(204, 0.4), froc_point(229, 0.25),
                                            froc_point(242, 0.1), froc_point(254, 0.12)}}};
    // 229 is the lowest threshold at or under 0.3 per cm²; p > 229.5/255 keeps what the 8-bit map's v > 229 kept.
    CHECK(operating_threshold(score, 0.3, "s.json") == doctest::Approx(229.5 / 255));
    CHECK(operating_threshold(score, 2.0, "s.json") == doctest::Approx(127.5 / 255));
    const std::string none = test::error_of([&] { operating_threshold(score, 0.05, "s.json"); });
    CHECK(none.find("'s.json': no threshold of its FROC gives at most 0.05") != std::string::npos);
    CHECK(test::error_of([&] { operating_threshold(nlohmann::json::object(), 0.3, "s.json"); }).find("no FROC") !=
          std::string::npos);
    nlohmann::json no_area = {{"froc", {froc_point(127, 2.0)}}};
    no_area["froc"][0]["fp_per_cm2"] = nullptr;  // scored without the truth images
    CHECK(test::error_of([&] { operating_threshold(no_area, 0.3, "s.json"); }).find("no false MCs per cm²") !=
          std::string::npos);
}

TEST_CASE("threshold: calibrate --froc stores the operating point in a Segmentator's weights, refuses a Detector") {
    const fs::path dir = fs::temp_directory_path() / ("mcseg_test_operating_" + std::to_string(getpid()));
    fs::create_directories(dir);
    NetConfig c;
    c.patch = 15;
    c.filters = 2;
    c.fc = 4;
    Network net(c, 1);
    const std::string seg = (dir / "seg.safetensors").string(), det = (dir / "det.safetensors").string();
    save_network(det, net, {{"mcseg.kind", "detector"}});
    // The Segmentator as a run's checkpoint: its optimiser state must not reach the calibrated file.
    std::vector<std::pair<std::string, Tensor>> tensors = named_state(net);
    tensors.push_back({"adam.m.fc2.bias", Tensor::zeros({2})});
    save_safetensors(seg, tensors, {{"mcseg.kind", "segmentator"}, {"mcseg.net", net.config().to_json()},
                                    {"adam.step", "7"}, {"mcseg.schedule", "{}"}, {"mcseg.step", "7"}});
    const std::string score = (dir / "score.json").string();
    std::ofstream(score) << nlohmann::json{{"froc", {froc_point(127, 2.0), froc_point(242, 0.2)}}}.dump();
    const std::string out = (dir / "seg-op.safetensors").string();
    CHECK(calibrate_operating_point(seg, score, 0.3, out) == doctest::Approx(242.5 / 255));
    Metadata meta;
    load_network(out, Device::CPU, &meta);
    CHECK(stored_threshold(meta, out, kPipelineThresholdKey) == doctest::Approx(242.5 / 255).epsilon(1e-5));
    CHECK(stored_threshold(meta, out) == 0.5);  // the patch threshold is another key
    CHECK((meta.count("adam.step") == 0 && meta.count("mcseg.schedule") == 0 && meta.at("mcseg.step") == "7"));
    const SafeTensorsFile written = load_safetensors(out);
    CHECK(written.entries.size() == named_state(net).size());
    CHECK(test::error_of([&] { calibrate_operating_point(det, score, 0.3, out); }).find("not a segmentator") !=
          std::string::npos);
    std::ofstream(score) << "{not json";
    CHECK(test::error_of([&] { calibrate_operating_point(seg, score, 0.3, out); }).find("is not JSON") !=
          std::string::npos);
    fs::remove_all(dir);
}
