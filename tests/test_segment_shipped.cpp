// tests/test_segment_shipped.cpp — the shipped weights (weights/*.safetensors) on a small
// synthetic mammogram they never saw: the two-stage pipeline must find its cluster.
// The image: `mcseg synth --seed 3 --first 1 --width 1024 --height 1280`: 56 MCs in two clusters
// (by the > 5 MCs per cm² rule); the training set was made with seed 1, so this image is new to
// both networks. The shipped weights: Dice 0.72, 56 of 56 MCs, 48 false MCs, both clusters.
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
    Network seg = load_network_of_kind(shipped_weights("weights", "segmentator"), "segmentator", Device::CPU);
    SegmentResult r = segment_mammogram(img, det, seg, SegmentOptions{});
    MaskScore score = score_masks(r.mask, s.mask, img.width, img.height, cfg.spacing_mm);
    INFO("MCs found ", score.found_mcs, " of ", score.true_mcs, ", false MCs ", score.false_mcs, ", clusters ",
         score.pred_clusters, " (", score.false_clusters, " false), Dice ", score.dice());
    REQUIRE(score.true_clusters >= 1);
    CHECK(score.found_clusters == score.true_clusters);
    CHECK(score.mc_sensitivity() >= 0.9);
    CHECK(score.false_clusters <= 1);
    CHECK(score.dice() >= 0.65);
}
