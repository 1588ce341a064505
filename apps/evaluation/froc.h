// apps/evaluation/froc.h — the FROC curve: MC-wise sensitivity against false positives per image
// (and per cm² of breast, when the breast areas are known) as the threshold on the probability
// maps (NAME_prob.png, probability × 255) sweeps 0.05, 0.10, ..., 0.95 and then the top of the
// 8-bit map, 247, 250, 252 and 254 of 255 (0.969 .. 0.996): a network trained on balanced
// patches puts most of a mammogram's false MCs there, so the low false-positive end of the curve
// lies above 0.95. Each threshold's mask {p > t}, with its components smaller than mcseg
// segment's --min-mc removed, is scored as a prediction (evaluation/mask_score.h, MCs only), so
// the curve passes through the mask segment writes.
//
// The sweep labels each image once, not once per threshold: the masks are nested ({p > t} grows as
// t falls), so the pixels above the lowest threshold are added in order of falling probability to a
// union-find over 8-connected neighbours, and after each threshold's pixels the counts (components,
// components touching the truth, true MCs touched, pixels) are read off. Only those pixels get
// per-pixel state (evaluation/sparse_labeling.h). The result is the same as scoring every
// threshold's mask with score_masks; the tests check it.
#pragma once
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "apps/evaluation/mask_score.h"
#include "apps/evaluation/sparse_labeling.h"
#include "apps/io/gray_image.h"

namespace mcseg {

struct FrocPoint {
    double threshold = 0, mc_sensitivity = 0, fp_per_image = 0;
    std::optional<double> fp_per_cm2;  // false MCs per cm² of breast; none when an area is unknown
};

class FrocSweep {
public:
    FrocSweep();
    // One image: its probability map and its true MC mask (width*height, non-zero = MC). Predicted
    // components of fewer than min_area_px pixels are not MCs (mcseg segment's --min-mc).
    void add(const GrayImage& probability, const std::vector<uint8_t>& truth, int64_t min_area_px = 1);
    // The same with the truth already labelled.
    void add(const GrayImage& probability, const SparseLabeling& truth, int64_t min_area_px = 1);
    // The curve over the `images` added; breast_cm2: their total breast area, when known (and > 0).
    std::vector<FrocPoint> points(size_t images, std::optional<double> breast_cm2 = std::nullopt) const;
    // Per threshold (ascending, on the 8-bit probability), the MC-level scores summed over the images.
    const std::vector<int>& thresholds() const { return thresholds_; }
    const std::vector<MaskScore>& scores() const { return scores_; }

private:
    std::vector<int> thresholds_;    // on the 8-bit probability
    std::vector<MaskScore> scores_;  // per threshold, summed over the images
    std::vector<int8_t> level_;      // per 16-bit value, the highest threshold it exceeds (-1: none)
};

// MC sensitivity at `fp_per_cm2` false MCs per cm² of breast, read off the curve as CAD papers do:
// linear in log(FP rate) between consecutive thresholds' points. Where the curve crosses the rate
// more than once (merging false MCs can make the FP count fall as the threshold falls), the highest
// sensitivity reached at a rate of at most fp_per_cm2. A segment from a point with no false MC is
// flat at that point's sensitivity (log 0 = −∞). None when the rate lies below the curve's lowest
// or above its highest FP rate (no extrapolation), or when the curve has no per-cm² rates.
std::optional<double> sensitivity_at_fp_per_cm2(const std::vector<FrocPoint>& curve, double fp_per_cm2);

// The rates MC detection papers report, and the sensitivity at each with their mean (none unless
// all three are known).
inline constexpr std::array<double, 3> kFrocRatesPerCm2{0.1, 0.3, 1.0};
struct FrocAtRates {
    std::array<std::optional<double>, 3> sensitivity;
    std::optional<double> mean;
};
FrocAtRates froc_at_rates(const std::vector<FrocPoint>& curve);

// A PNG of the curve: x is false MCs per cm² of breast when every point has that rate (log scale,
// with the three rates marked), else false positives per image.
void draw_froc(const std::vector<FrocPoint>& points, const std::string& path);

}  // namespace mcseg
