// tests/test_segment_scoring.cpp — pixel, MC-wise and cluster-wise scores on hand-made masks.
#include <doctest/doctest.h>

#include <cstddef>
#include <vector>

#include "apps/evaluation/mask_score.h"

using namespace mcseg;

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
