// apps/evaluation/froc.cpp — see froc.h.
#include "apps/evaluation/froc.h"

#include "apps/draw/plot.h"

namespace mcseg {

FrocSweep::FrocSweep() {
    for (int k = 1; k <= 19; ++k) thresholds_.push_back(k * 255 / 20);  // 0.05 .. 0.95 of 255
    scores_.resize(thresholds_.size());
}

void FrocSweep::add(const GrayImage& prob, const std::vector<uint8_t>& truth, double spacing_mm) {
    std::vector<uint8_t> m(prob.pixels.size());
    for (size_t k = 0; k < thresholds_.size(); ++k) {
        for (size_t i = 0; i < m.size(); ++i) m[i] = prob.pixels[i] > thresholds_[k];
        scores_[k] += score_masks(m, truth, prob.width, prob.height, spacing_mm, false);
    }
}

std::vector<FrocPoint> FrocSweep::points(size_t images) const {
    std::vector<FrocPoint> out;
    for (size_t k = 0; k < thresholds_.size(); ++k)
        out.push_back({thresholds_[k] / 255.0, scores_[k].mc_sensitivity(), scores_[k].false_mcs / double(images)});
    return out;
}

void draw_froc(const std::vector<FrocPoint>& points, const std::string& path) {
    Series curve{"MC sensitivity", {}, {}, {31, 119, 180}};
    for (const FrocPoint& p : points) {
        curve.x.push_back(p.fp_per_image);
        curve.y.push_back(p.mc_sensitivity);
    }
    Canvas c(700, 480);
    draw_chart(c, 0, 0, 700, 480, "FROC: MC sensitivity vs false positives per image", "false positives per image",
               {curve});
    c.save_png(path);
}

}  // namespace mcseg
