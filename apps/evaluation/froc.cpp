// apps/evaluation/froc.cpp — see froc.h. The curve's picture is in froc_plot.cpp.
#include "apps/evaluation/froc.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "engine/error.h"

namespace mcseg {

FrocSweep::FrocSweep() : level_(65536) {
    for (int k = 1; k <= 19; ++k) thresholds_.push_back(k * 255 / 20);  // 0.05 .. 0.95 of 255
    for (int v : {247, 250, 252, 254}) thresholds_.push_back(v);       // 0.969 .. 0.996: the top of the map
    scores_.resize(thresholds_.size());
    // The highest threshold each value exceeds (-1: none), as an index into thresholds_.
    for (int v = 0; v < 65536; ++v)
        level_[v] = int8_t(std::lower_bound(thresholds_.begin(), thresholds_.end(), v) - thresholds_.begin() - 1);
}

void FrocSweep::add(const GrayImage& prob, const std::vector<uint8_t>& truth, int64_t min_area_px) {
    if (truth.size() != prob.pixels.size()) fail("score: prediction and truth masks differ in size");
    add(prob, SparseLabeling(truth, prob.width, prob.height), min_area_px);
}

namespace {

// The predicted MCs of a growing mask {p > t} over a fixed set of candidate pixels: a union-find
// over the members added so far (8-connected). Components smaller than min_area are not MCs (as
// mcseg segment drops them, --min-mc) until they grow: each root knows its size, whether it
// touches a true MC and, until it is big enough to count, which true MCs it touches. The running
// counts are those score_masks would give for the mask with its small components removed (the
// pixel counts are of the whole mask).
class GrowingMask {
public:
    GrowingMask(const PixelSet& candidates, const SparseLabeling& truth, int64_t min_area)
        : px_(candidates), truth_(truth), min_area_(std::max<int64_t>(1, min_area)), sets_(candidates.size()),
          added_(candidates.size(), 0), hits_truth_(candidates.size(), 0), size_(candidates.size(), 0),
          labels_(candidates.size()), found_(truth.components().size() + 1, 0) {}

    void add(int32_t node) {  // node: a member's rank in the candidates
        added_[node] = 1;
        size_[node] = 1;
        if (const int32_t l = truth_.label_at(px_.pixel(node))) {
            ++tp_px_;
            hits_truth_[node] = 1;
            labels_[node].push_back(l);
        } else {
            ++fp_px_;
        }
        count_in(node);
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
    bool counted(int32_t root) const { return size_[root] >= min_area_; }

    // A root's contribution to the counts; an MC's true MCs are found once it counts.
    void count_in(int32_t root) {
        if (!counted(root)) return;
        ++components_;
        false_components_ += !hits_truth_[root];
        for (int32_t l : labels_[root]) found_mcs_ += !std::exchange(found_[l], 1);
        labels_[root].clear();
        labels_[root].shrink_to_fit();
    }
    void count_out(int32_t root) {
        if (!counted(root)) return;
        --components_;
        false_components_ -= !hits_truth_[root];
    }

    void unite(int32_t a, int32_t b) {
        a = sets_.find(a);
        b = sets_.find(b);
        if (a == b) return;
        count_out(a);
        count_out(b);
        const int32_t r = sets_.link(a, b), other = r == a ? b : a;
        size_[r] += size_[other];
        hits_truth_[r] = hits_truth_[r] || hits_truth_[other];
        if (labels_[r].size() < labels_[other].size()) std::swap(labels_[r], labels_[other]);
        labels_[r].insert(labels_[r].end(), labels_[other].begin(), labels_[other].end());
        labels_[other].clear();
        count_in(r);
    }

    const PixelSet& px_;
    const SparseLabeling& truth_;
    int64_t min_area_;
    DisjointSets sets_;
    std::vector<uint8_t> added_, hits_truth_;   // per candidate; hits_truth_ is kept at roots
    std::vector<int64_t> size_;                 // at roots
    std::vector<std::vector<int32_t>> labels_;  // at roots not yet counted: the true MCs touched
    std::vector<uint8_t> found_;                // per true MC label
    int64_t tp_px_ = 0, fp_px_ = 0, found_mcs_ = 0, components_ = 0, false_components_ = 0;
};

}  // namespace

void FrocSweep::add(const GrayImage& prob, const SparseLabeling& truth, int64_t min_area_px) {
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
    GrowingMask mask(above, truth, min_area_px);
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
