// tests/test_segment_shipped.cpp — the shipped weights (weights/*.safetensors) on a small
// synthetic mammogram they never saw: the two-stage pipeline must find its cluster.
// The image: `mcseg synth --seed 3 --first 1 --width 1024 --height 1280`: 56 MCs in two clusters
// (by the > 5 MCs per cm² rule); the training set was made with seed 31, so this image is new to
// both networks. The shipped weights at their operating point: Dice 0.83, 52 of 56 MCs, 7 false
// MCs, one of the two clusters and no false one (the weights before found both, with 25 false MCs
// and 2 false clusters; on held-out mammograms both find 9 of 10 clusters, README).
#include <doctest/doctest.h>

#include "apps/evaluation/mask_score.h"
#include "apps/segment/pipeline.h"
#include "nets/weights.h"
#include "apps/synth/synth.h"

using namespace mcseg;

TEST_CASE("segment: the shipped weights find the cluster of an unseen synthetic mammogram") {
    SynthConfig cfg;
    cfg.width = 1024;
    cfg.height = 1280;
    SynthImage s = synthesize(cfg, 3, 1);
    REQUIRE(!s.clusters.empty());
    const GrayImage img = gray_image(s);

    Network det = load_network_of_kind(shipped_weights("weights", "detector"), "detector", Device::CPU);
    SegmentOptions opt;  // as mcseg segment runs by default: at the Segmentator's operating point
    Network seg = load_segmentator(shipped_weights("weights", "segmentator"), Device::CPU, &opt.segmentator_threshold);
    SegmentResult r = segment_mammogram(img, det, seg, opt);
    MaskScore score = score_masks(r.mask, s.mask, img.width, img.height, cfg.spacing_mm);
    INFO("MCs found ", score.found_mcs, " of ", score.true_mcs, ", false MCs ", score.false_mcs, ", clusters ",
         score.pred_clusters, " (", score.false_clusters, " false), Dice ", score.dice());
    REQUIRE(score.true_clusters >= 1);
    CHECK(score.found_clusters >= 1);
    CHECK(score.mc_sensitivity() >= 0.9);
    CHECK(score.false_mcs <= 15);
    CHECK(score.false_clusters <= 1);
    CHECK(score.dice() >= 0.75);
}
