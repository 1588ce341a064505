// tests/test_segment_scoring.cpp — pixel, MC-wise and cluster-wise scores on hand-made masks; the
// sparse labelling and the one-pass FROC sweep against the plain per-threshold scores; false MCs per
// cm² of breast and the FROC sensitivity at 0.1, 0.3 and 1 FP/cm² on a hand-made folder.
#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <vector>

#include "apps/evaluation/froc.h"
#include "apps/evaluation/mask_score.h"
#include "apps/evaluation/score_folders.h"
#include "apps/imaging/labeling.h"
#include "apps/io/image.h"
#include "engine/error.h"
#include "engine/philox.h"
#include "tests/test_data_fixture.h"

using namespace mcseg;
namespace fs = std::filesystem;

static void dot(std::vector<uint8_t>& m, int w, int x, int y, int r = 1) {
    for (int dy = -r; dy <= r; ++dy)
        for (int dx = -r; dx <= r; ++dx) m[size_t(y + dy) * w + x + dx] = 255;
}

TEST_CASE("segment: score counts pixels, found MCs and false positives") {
    const int w = 40, h = 30;
    std::vector<uint8_t> truth(w * h, 0), pred(w * h, 0);
    dot(truth, w, 5, 5);    // found (pred overlaps partly)
    dot(truth, w, 20, 20);  // missed
    dot(pred, w, 6, 6);     // overlaps the first: 4 shared pixels
    dot(pred, w, 33, 10);   // false positive
    MaskScore s = score_masks(pred, truth, w, h, 0.05);
    CHECK(s.tp_px == 4);
    CHECK(s.fp_px == 5 + 9);
    CHECK(s.fn_px == 5 + 9);
    CHECK(s.dice() == doctest::Approx(8.0 / (8 + 14 + 14)));
    CHECK(s.true_mcs == 2);
    CHECK(s.found_mcs == 1);
    CHECK(s.pred_mcs == 2);
    CHECK(s.false_mcs == 1);
    CHECK(s.mc_sensitivity() == doctest::Approx(0.5));
    MaskScore perfect = score_masks(truth, truth, w, h, 0.05);
    CHECK(perfect.dice() == 1.0);
    CHECK(perfect.false_mcs == 0);
}

TEST_CASE("segment: score matches clusters through overlapping MCs") {
    const int w = 400, h = 300;
    std::vector<uint8_t> truth(w * h, 0), pred(w * h, 0);
    for (int i = 0; i < 6; ++i) dot(truth, w, 20 + 12 * i, 20);   // a true cluster
    for (int i = 0; i < 6; ++i) dot(pred, w, 21 + 12 * i, 21);    // found: its MCs overlap
    for (int i = 0; i < 6; ++i) dot(pred, w, 250 + 12 * i, 250); // a false cluster
    MaskScore s = score_masks(pred, truth, w, h, 0.05);
    CHECK(s.true_clusters == 1);
    CHECK(s.found_clusters == 1);
    CHECK(s.pred_clusters == 2);
    CHECK(s.false_clusters == 1);
    CHECK(s.cluster_sensitivity() == 1.0);
    MaskScore total;
    total += s;
    total += s;
    CHECK(total.false_clusters == 2);

    // A predicted cluster whose box covers the true cluster but whose MCs miss it is false.
    std::vector<uint8_t> around(w * h, 0);
    for (int i = 0; i < 6; ++i) dot(around, w, 14 + 16 * i, i % 2 ? 14 : 27);
    MaskScore a = score_masks(around, truth, w, h, 0.05);
    CHECK(a.pred_clusters == 1);
    CHECK(a.found_clusters == 0);
    CHECK(a.false_clusters == 1);
}

TEST_CASE("segment: scoring's sparse labelling equals label_components on random masks") {
    for (int trial = 0; trial < 6; ++trial) {
        const int w = 37 + 11 * trial, h = 23 + 7 * trial;
        const float density = 0.05f + 0.12f * trial;  // from scattered specks to one sprawling blob
        std::vector<uint8_t> m(size_t(w) * h);
        for (size_t i = 0; i < m.size(); ++i) m[i] = philox_uniform_at(77, trial, i) < density ? 255 : 0;
        const Labeling want = label_components(m, w, h);
        const SparseLabeling got(m, w, h);
        REQUIRE(got.components().size() == want.components.size());
        for (size_t i = 0; i < m.size(); ++i) REQUIRE(got.label_at(int64_t(i)) == want.labels[i]);
        for (size_t k = 0; k < want.components.size(); ++k) {
            const Component &a = got.components()[k], &b = want.components[k];
            CHECK(a.label == b.label);
            CHECK(a.area_px == b.area_px);
            CHECK(a.cx == b.cx);
            CHECK(a.cy == b.cy);
            CHECK((a.x0 == b.x0 && a.y0 == b.y0 && a.x1 == b.x1 && a.y1 == b.y1));
        }
    }
    CHECK_THROWS_AS(SparseLabeling(std::vector<uint8_t>(10), 5, 5), Error);
}

// A random probability map with blobs of several heights (so the thresholds split and merge
// components) over speckle, and a truth mask of dots, some under the blobs, some not.
static void random_case(int seed, int w, int h, GrayImage& prob, std::vector<uint8_t>& truth) {
    prob = GrayImage{w, h, 8, std::vector<uint16_t>(size_t(w) * h, 0), 0};
    truth.assign(size_t(w) * h, 0);
    for (int b = 0; b < 40; ++b) {
        const int cx = int(w * philox_uniform_at(seed, b, 0)), cy = int(h * philox_uniform_at(seed, b, 1));
        const double peak = 300 * philox_uniform_at(seed, b, 2), r = 1 + 5 * philox_uniform_at(seed, b, 3);
        for (int y = std::max(0, cy - 8); y < std::min(h, cy + 9); ++y)
            for (int x = std::max(0, cx - 8); x < std::min(w, cx + 9); ++x) {
                const double v = peak * std::exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2 * r * r));
                uint16_t& p = prob.pixels[size_t(y) * w + x];
                p = uint16_t(std::max<double>(p, std::min(v, 65535.0)));  // values above 255 as well
            }
        if (b % 3 == 0 && cx > 1 && cy > 1 && cx < w - 2 && cy < h - 2) dot(truth, w, cx + b % 2, cy);
    }
    for (size_t i = 0; i < prob.pixels.size(); ++i)
        if (philox_uniform_at(seed, 99, i) < 0.1f) prob.pixels[i] = uint16_t(255 * philox_uniform_at(seed, 98, i));
}

TEST_CASE("segment: scoring's one-pass FROC sweep equals scoring each threshold's mask") {
    FrocSweep sweep;
    std::vector<MaskScore> want(sweep.thresholds().size());
    for (int seed = 1; seed <= 3; ++seed) {  // three images, summed
        GrayImage prob;
        std::vector<uint8_t> truth;
        random_case(seed, 90 + 10 * seed, 70, prob, truth);
        sweep.add(prob, truth);
        for (size_t k = 0; k < want.size(); ++k) {
            std::vector<uint8_t> m(prob.pixels.size());
            for (size_t i = 0; i < m.size(); ++i) m[i] = prob.pixels[i] > sweep.thresholds()[k];
            want[k] += score_masks(m, truth, prob.width, prob.height, 0.05, false);
        }
    }
    for (size_t k = 0; k < want.size(); ++k) {
        const MaskScore &a = sweep.scores()[k], &b = want[k];
        CAPTURE(k);
        CHECK((a.tp_px == b.tp_px && a.fp_px == b.fp_px && a.fn_px == b.fn_px));
        CHECK((a.true_mcs == b.true_mcs && a.found_mcs == b.found_mcs));
        CHECK((a.pred_mcs == b.pred_mcs && a.false_mcs == b.false_mcs));
    }
    CHECK(want.front().false_mcs > want.back().false_mcs);  // the case does exercise the sweep
    CHECK(want.front().found_mcs > want.back().found_mcs);
}

TEST_CASE("segment: scoring's FROC sweep drops components smaller than the --min-mc area, as segment does") {
    FrocSweep sweep;
    std::vector<MaskScore> want(sweep.thresholds().size());
    for (int seed = 4; seed <= 6; ++seed) {
        GrayImage prob;
        std::vector<uint8_t> truth;
        random_case(seed, 100, 80, prob, truth);
        sweep.add(prob, truth, 4);
        for (size_t k = 0; k < want.size(); ++k) {
            std::vector<uint8_t> m(prob.pixels.size());
            for (size_t i = 0; i < m.size(); ++i) m[i] = prob.pixels[i] > sweep.thresholds()[k];
            remove_small_components(m, prob.width, prob.height, 4);
            want[k] += score_masks(m, truth, prob.width, prob.height, 0.05, false);
        }
    }
    for (size_t k = 0; k < want.size(); ++k) {
        const MaskScore &a = sweep.scores()[k], &b = want[k];
        CAPTURE(k);
        CHECK((a.true_mcs == b.true_mcs && a.found_mcs == b.found_mcs));
        CHECK((a.pred_mcs == b.pred_mcs && a.false_mcs == b.false_mcs));
    }
}

static FrocPoint at(double fp_per_cm2, double sensitivity) { return {0, sensitivity, 0, fp_per_cm2}; }

TEST_CASE("segment: scoring interpolates the FROC sensitivity in log FP per cm²") {
    // Thresholds ascending, so the FP rate falls along the vector.
    const std::vector<FrocPoint> curve{at(2.0, 0.9), at(0.5, 0.8), at(0.2, 0.6), at(0.05, 0.4)};
    CHECK(*sensitivity_at_fp_per_cm2(curve, 0.1) == doctest::Approx(0.5));  // halfway in log(0.05..0.2)
    const double t = std::log(1.5) / std::log(2.5);                       // 0.3 in log(0.2..0.5)
    CHECK(*sensitivity_at_fp_per_cm2(curve, 0.3) == doctest::Approx(0.6 + 0.2 * t));
    CHECK(*sensitivity_at_fp_per_cm2(curve, 1.0) == doctest::Approx(0.85));
    CHECK(*sensitivity_at_fp_per_cm2(curve, 0.5) == 0.8);  // on a point
    CHECK(!sensitivity_at_fp_per_cm2(curve, 0.04));          // below the curve: no extrapolation
    CHECK(!sensitivity_at_fp_per_cm2(curve, 2.5));           // beyond it
    const FrocAtRates r = froc_at_rates(curve);
    CHECK(*r.mean == doctest::Approx((0.5 + 0.6 + 0.2 * t + 0.85) / 3));
    CHECK(!froc_at_rates({at(2.0, 0.9), at(0.5, 0.8)}).mean);  // 0.1 and 0.3 not reached

    // From a point with no false MC the curve is flat (log 0 = −∞).
    const std::vector<FrocPoint> from_zero{at(1.0, 0.9), at(0.0, 0.5)};
    CHECK(*sensitivity_at_fp_per_cm2(from_zero, 0.3) == 0.5);
    CHECK(*sensitivity_at_fp_per_cm2(from_zero, 1.0) == 0.9);
    // FP rate falling as the threshold falls (false MCs merging): the best crossing at or below the rate.
    const std::vector<FrocPoint> merging{at(0.4, 0.9), at(0.05, 0.7), at(0.2, 0.5)};
    CHECK(*sensitivity_at_fp_per_cm2(merging, 0.1) == doctest::Approx(0.7 + 0.2 / 3));
    // Without breast areas there is no per-cm² rate.
    CHECK(!sensitivity_at_fp_per_cm2({FrocPoint{0.5, 1.0, 3.0, {}}}, 0.1));
}

namespace {

// A 100x80 image at 0.5 mm: air (about 100) on the left half, tissue (about 3000) on the right, so
// the breast is 50 x 80 px = 4000 px x 0.25 mm² = 10 cm². Two true MCs and seven false blobs, each
// a 3x3 dot of one probability (out of 255):
//   true MC 1 250 (found at every threshold)    true MC 2 100 (found at t <= 0.35)
//   false D   255 (every threshold)             false A   200 (t <= 0.75)
//   false B1, B2 100 (t <= 0.35)                false C1..C6 30 (t <= 0.10)
// so false MCs are 1 at t >= 0.8, 2 at 0.4..0.75, 4 at 0.15..0.35 and 10 at 0.05..0.1: 0.1, 0.2,
// 0.4 and 1.0 per cm², with sensitivity 0 above 250 of 255, 0.5 down to t = 0.35, 1.0 below.
struct HandFolder {
    fs::path truth, pred;
    explicit HandFolder(const std::string& tag) {
        const fs::path root = fs::temp_directory_path() / ("mcseg_test_cm2_" + tag + "_" + std::to_string(getpid()));
        fs::remove_all(root);
        truth = root / "truth";
        pred = root / "pred";
        fs::create_directories(truth);
        fs::create_directories(pred);
        const int w = 100, h = 80;
        std::vector<uint16_t> img(size_t(w) * h);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) img[size_t(y) * w + x] = uint16_t(x < 50 ? 100 + (x + y) % 10 : 3000 + (7 * x + 3 * y) % 50);
        std::vector<uint8_t> mask(size_t(w) * h, 0), prob(size_t(w) * h, 0), seg(size_t(w) * h, 0);
        const struct { int x, y, p; bool real; } blobs[] = {
            {60, 10, 250, true}, {60, 30, 100, true}, {80, 10, 255, false}, {80, 30, 200, false}, {70, 50, 100, false},
            {90, 50, 100, false}, {56, 70, 30, false}, {64, 70, 30, false}, {72, 70, 30, false}, {80, 70, 30, false},
            {88, 70, 30, false}, {94, 62, 30, false}};
        for (const auto& b : blobs) {
            std::vector<uint8_t> one(size_t(w) * h, 0);
            dot(one, w, b.x, b.y);
            for (size_t i = 0; i < one.size(); ++i)
                if (one[i]) {
                    prob[i] = uint8_t(b.p);
                    mask[i] = b.real ? 255 : 0;
                    seg[i] = b.p > 127 ? 255 : 0;  // the prediction: true MC 1, D and A
                }
        }
        write_png_gray16((truth / "a.png").string(), w, h, img.data());
        write_png_gray8((truth / "a_mask.png").string(), w, h, mask.data());
        std::ofstream(truth / "a.json") << R"({"pixel_spacing_mm": 0.5})";
        write_png_gray8((pred / "a_mask.png").string(), w, h, seg.data());
        write_png_gray8((pred / "a_prob.png").string(), w, h, prob.data());
    }
};

}  // namespace

TEST_CASE("segment: score gives false MCs per cm² of breast and the FROC sensitivity at 0.1, 0.3, 1") {
    HandFolder d("hand");
    const FolderScore f = score_folders(d.pred.string(), d.truth.string(), 0.05);
    REQUIRE(f.total_breast_cm2());
    CHECK(*f.total_breast_cm2() == doctest::Approx(10.0));
    CHECK(f.total.false_mcs == 2);
    CHECK(*f.false_mcs_per_cm2() == doctest::Approx(0.2));
    CHECK(f.area_note().empty());
    REQUIRE(f.froc.size() == 23);
    const double want_fp[23] = {1.0, 1.0, 0.4, 0.4, 0.4, 0.4, 0.4, 0.2, 0.2, 0.2, 0.2, 0.2,
                                0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1};  // t = 0.05, ..., 0.95, 247..254
    for (int k = 0; k < 23; ++k) {
        CAPTURE(k);
        CHECK(*f.froc[k].fp_per_cm2 == doctest::Approx(want_fp[k]));
        CHECK(f.froc[k].mc_sensitivity == (k <= 6 ? 1.0 : k <= 19 ? 0.5 : 0.0));  // MC 1 (250) is not above 250
    }
    // 0.1 and 1.0 are points of the curve; 0.3 lies between 0.2 (0.5) and 0.4 (1.0).
    const double at_03 = 0.5 + 0.5 * std::log(1.5) / std::log(2.0);
    const nlohmann::ordered_json j = f.to_json();
    CHECK(j["breast_cm2"].get<double>() == doctest::Approx(10.0));
    CHECK(j["per_image"][0]["false_mcs_per_cm2"].get<double>() == doctest::Approx(0.2));
    CHECK(j["froc"][7]["fp_per_cm2"].get<double>() == doctest::Approx(0.2));
    const auto& r = j["froc_at_fp_per_cm2"];
    CHECK(r["mc_sensitivity"][0].get<double>() == doctest::Approx(0.5));
    CHECK(r["mc_sensitivity"][1].get<double>() == doctest::Approx(at_03));
    CHECK(r["mc_sensitivity"][2].get<double>() == doctest::Approx(1.0));
    CHECK(r["mean"].get<double>() == doctest::Approx((0.5 + at_03 + 1.0) / 3));
    fs::remove_all(d.truth.parent_path());
}

TEST_CASE("segment: score leaves per-cm² figures out when the truth has no image") {
    HandFolder d("noimage");
    fs::copy_file(d.pred / "a_mask.png", d.pred / "b_mask.png");  // a second image, whose truth has no image
    fs::copy_file(d.truth / "a_mask.png", d.truth / "b_mask.png");
    const FolderScore f = score_folders(d.pred.string(), d.truth.string(), 0.05);
    REQUIRE(f.breast_cm2.size() == 2);
    CHECK(*f.breast_cm2[0] == doctest::Approx(10.0));
    CHECK(!f.breast_cm2[1]);
    CHECK(!f.total_breast_cm2());
    CHECK(!f.false_mcs_per_cm2());
    CHECK(f.area_note().find("1 of 2 predictions (first: b)") != std::string::npos);
    const nlohmann::ordered_json j = f.to_json();
    CHECK(j["breast_cm2"].is_null());
    CHECK(j["false_mcs_per_cm2"].is_null());
    CHECK(j["per_image"][0]["false_mcs_per_cm2"].get<double>() == doctest::Approx(0.2));
    CHECK(j["per_image"][1]["false_mcs_per_cm2"].is_null());
    CHECK(j.find("froc") == j.end());  // b has no probability map
    CHECK(j["fp_per_image"].get<double>() == 2.0);  // the other figures as before
    fs::remove_all(d.truth.parent_path());
}

TEST_CASE("segment: score refuses a truth without its prediction unless asked to score a subset") {
    HandFolder d("missing");
    fs::copy_file(d.truth / "a_mask.png", d.truth / "b_mask.png");  // b was never segmented
    CHECK(test::error_of([&] { score_folders(d.pred.string(), d.truth.string(), 0.05); })
              .find("have no prediction in '" + d.pred.string() + "' (first: b)") != std::string::npos);
    CHECK(score_folders(d.pred.string(), d.truth.string(), 0.05, 0.1, /*subset=*/true).names.size() == 1);
    fs::remove_all(d.truth.parent_path());
}
