// apps/evaluation/froc.h — the FROC curve: MC-wise sensitivity against false positives per image
// as the threshold on the probability maps (NAME_prob.png, probability × 255) sweeps 0.05..0.95.
// Each threshold's mask is scored as a prediction (evaluation/mask_score.h, MCs only).
#pragma once
#include <string>
#include <vector>

#include "apps/evaluation/mask_score.h"
#include "apps/io/gray_image.h"

namespace mcseg {

struct FrocPoint {
    double threshold = 0, mc_sensitivity = 0, fp_per_image = 0;
};

class FrocSweep {
public:
    FrocSweep();
    // One image: its probability map and its true MC mask (width*height, non-zero = MC).
    void add(const GrayImage& probability, const std::vector<uint8_t>& truth, double spacing_mm);
    // The curve over the `images` added.
    std::vector<FrocPoint> points(size_t images) const;

private:
    std::vector<int> thresholds_;    // on the 8-bit probability
    std::vector<MaskScore> scores_;  // per threshold, summed over the images
};

// A PNG of the curve.
void draw_froc(const std::vector<FrocPoint>& points, const std::string& path);

}  // namespace mcseg
