// apps/evaluation/froc.cpp — see froc.h. The curve's picture is in froc_plot.cpp.
#include "apps/evaluation/froc.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/error.h"

namespace mcseg {

FrocSweep::FrocSweep() : level_(65536) {
    for (int k = 1; k <= 19; ++k) thresholds_.push_back(k * 255 / 20);  // 0.05 .. 0.95 of 255
    scores_.resize(thresholds_.size());
    // The highest threshold each value exceeds (-1: none), as an index into thresholds_.
    for (int v = 0; v < 65536; ++v)
        level_[v] = int8_t(std::lower_bound(thresholds_.begin(), thresholds_.end(), v) - thresholds_.begin() - 1);
}

void FrocSweep::add(const GrayImage& prob, const std::vector<uint8_t>& truth, double) {
    if (truth.size() != prob.pixels.size()) fail("score: prediction and truth masks differ in size");
    add(prob, SparseLabeling(truth, prob.width, prob.height));
}

namespace {

// The predicted MCs of a growing mask {p > t} over a fixed set of candidate pixels: a union-find
// over the members added so far (8-connected), each root knowing whether its component touches a
// true MC, and the running counts score_masks would give for the mask.
class GrowingMask {
public:
    GrowingMask(const PixelSet& candidates, const SparseLabeling& truth)
        : px_(candidates), truth_(truth), sets_(candidates.size()), added_(candidates.size(), 0),
          hits_truth_(candidates.size(), 0), found_(truth.components().size() + 1, 0) {}

    void add(int32_t node) {  // node: a member's rank in the candidates
        added_[node] = 1;
        ++components_;
        if (const int32_t l = truth_.label_at(px_.pixel(node))) {
            ++tp_px_;
            hits_truth_[node] = 1;
            found_mcs_ += !found_[l];
            found_[l] = 1;
        } else {
            ++fp_px_;
            ++false_components_;
        }
        const int x = px_.pixel(node) % px_.width(), y = px_.pixel(node) / px_.width();
        for (int dy = -1; dy <= 1; ++dy)
            for (int dx = -1; dx <= 1; ++dx)
                if (const int32_t q = px_.rank(x + dx, y + dy); q >= 0 && added_[q]) unite(node, q);
    }

    // The MC-level score of the mask so far (as score_masks(..., with_clusters = false)).
    MaskScore score() const {
        MaskScore s;
        s.tp_px = tp_px_;
        s.fp_px = fp_px_;
        s.fn_px = int64_t(truth_.pixels().size()) - tp_px_;
        s.true_mcs = int64_t(truth_.components().size());
        s.found_mcs = found_mcs_;
        s.pred_mcs = components_;
        s.false_mcs = false_components_;
        return s;
    }

private:
    void unite(int32_t a, int32_t b) {
        a = sets_.find(a);
        b = sets_.find(b);
        if (a == b) return;
        --components_;
        // Two false components merge into one false one; a false one joining a hit one stops being false.
        const bool ha = hits_truth_[a], hb = hits_truth_[b];
        false_components_ -= !ha + !hb - !(ha || hb);
        hits_truth_[sets_.link(a, b)] = ha || hb;
    }

    const PixelSet& px_;
    const SparseLabeling& truth_;
    DisjointSets sets_;
    std::vector<uint8_t> added_, hits_truth_;  // per candidate; hits_truth_ is kept at roots
    std::vector<uint8_t> found_;               // per true MC label
    int64_t tp_px_ = 0, fp_px_ = 0, found_mcs_ = 0, components_ = 0, false_components_ = 0;
};

}  // namespace

void FrocSweep::add(const GrayImage& prob, const SparseLabeling& truth) {
    if (truth.pixels().width() != prob.width || truth.pixels().height() != prob.height ||
        prob.pixels.size() != size_t(prob.width) * prob.height)
        fail("score: prediction and truth masks differ in size");
    // The pixels above the lowest threshold, counting-sorted by the highest threshold they exceed.
    const PixelSet above = PixelSet::where(prob.width, prob.height, [&](size_t i) { return level_[prob.pixels[i]] >= 0; });
    const int levels = int(thresholds_.size());
    std::vector<size_t> start(levels + 1, 0);
    for (size_t r = 0; r < above.size(); ++r) ++start[level_[prob.pixels[above.pixel(int32_t(r))]] + 1];
    for (int k = 0; k < levels; ++k) start[k + 1] += start[k];
    std::vector<int32_t> order(above.size());
    std::vector<size_t> next(start.begin(), start.end() - 1);
    for (size_t r = 0; r < above.size(); ++r) order[next[level_[prob.pixels[above.pixel(int32_t(r))]]]++] = int32_t(r);
    // Highest threshold first: its mask is the pixels of its level and of every level above it.
    GrowingMask mask(above, truth);
    for (int k = levels - 1; k >= 0; --k) {
        for (size_t j = start[k]; j < start[k + 1]; ++j) mask.add(order[j]);
        scores_[k] += mask.score();
    }
}

std::vector<FrocPoint> FrocSweep::points(size_t images, std::optional<double> breast_cm2) const {
    std::vector<FrocPoint> out;
    for (size_t k = 0; k < thresholds_.size(); ++k) {
        FrocPoint p{thresholds_[k] / 255.0, scores_[k].mc_sensitivity(), scores_[k].false_mcs / double(images), {}};
        if (breast_cm2 && *breast_cm2 > 0) p.fp_per_cm2 = scores_[k].false_mcs / *breast_cm2;
        out.push_back(p);
    }
    return out;
}

std::optional<double> sensitivity_at_fp_per_cm2(const std::vector<FrocPoint>& curve, double rate) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo, best = -1;
    for (const FrocPoint& p : curve) {
        if (!p.fp_per_cm2) return std::nullopt;
        lo = std::min(lo, *p.fp_per_cm2);
        hi = std::max(hi, *p.fp_per_cm2);
        if (*p.fp_per_cm2 <= rate) best = std::max(best, p.mc_sensitivity);  // a point at or below the rate
    }
    if (curve.empty() || rate < lo || rate > hi) return std::nullopt;
    for (size_t k = 0; k + 1 < curve.size(); ++k) {  // segments crossing the rate
        double fa = *curve[k].fp_per_cm2, fb = *curve[k + 1].fp_per_cm2;
        double sa = curve[k].mc_sensitivity, sb = curve[k + 1].mc_sensitivity;
        if (fa > fb) std::swap(fa, fb), std::swap(sa, sb);
        if (!(fa < rate && rate < fb) || fa == 0) continue;  // from 0 FP: flat, counted as a point
        const double t = (std::log(rate) - std::log(fa)) / (std::log(fb) - std::log(fa));
        best = std::max(best, sa + t * (sb - sa));
    }
    return best;
}

FrocAtRates froc_at_rates(const std::vector<FrocPoint>& curve) {
    FrocAtRates r;
    double sum = 0;
    bool all = true;
    for (size_t i = 0; i < kFrocRatesPerCm2.size(); ++i) {
        r.sensitivity[i] = sensitivity_at_fp_per_cm2(curve, kFrocRatesPerCm2[i]);
        all = all && r.sensitivity[i].has_value();
        sum += r.sensitivity[i].value_or(0);
    }
    if (all) r.mean = sum / double(kFrocRatesPerCm2.size());
    return r;
}

}  // namespace mcseg
