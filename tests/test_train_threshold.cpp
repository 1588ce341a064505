// tests/test_train_threshold.cpp — the decision threshold (apps/evaluation/threshold.h): deciding
// outcomes again at a threshold, the sweep's choice by Table 1's overall accuracy with ties
// going to 0.5, and the threshold read back from weights metadata with bad values refused.
#include <doctest/doctest.h>

#include <cmath>

#include "apps/evaluation/threshold.h"
#include "apps/evaluation/class_error_table.h"
#include "tests/test_data_fixture.h"

using namespace mcseg;

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
