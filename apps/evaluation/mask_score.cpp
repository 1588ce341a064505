// apps/evaluation/mask_score.cpp — see mask_score.h.
#include "apps/evaluation/mask_score.h"

#include <set>

#include "engine/error.h"

namespace mcseg {

MaskScore& MaskScore::operator+=(const MaskScore& o) {
    tp_px += o.tp_px;
    fp_px += o.fp_px;
    fn_px += o.fn_px;
    true_mcs += o.true_mcs;
    found_mcs += o.found_mcs;
    pred_mcs += o.pred_mcs;
    false_mcs += o.false_mcs;
    true_clusters += o.true_clusters;
    found_clusters += o.found_clusters;
    pred_clusters += o.pred_clusters;
    false_clusters += o.false_clusters;
    return *this;
}

static double ratio(double num, double den) { return den > 0 ? num / den : 1.0; }

double MaskScore::dice() const { return ratio(2.0 * tp_px, 2.0 * tp_px + fp_px + fn_px); }
double MaskScore::precision() const { return ratio(double(tp_px), double(tp_px + fp_px)); }
double MaskScore::recall() const { return ratio(double(tp_px), double(tp_px + fn_px)); }
double MaskScore::mc_sensitivity() const { return ratio(double(found_mcs), double(true_mcs)); }
double MaskScore::cluster_sensitivity() const { return ratio(double(found_clusters), double(true_clusters)); }

MaskScore score_masks(const std::vector<uint8_t>& pred, const std::vector<uint8_t>& truth, int width,
                      int height, double spacing_mm, bool with_clusters) {
    if (pred.size() != truth.size() || pred.size() != size_t(width) * height)
        fail("score: prediction and truth masks differ in size");
    return score_masks(pred, SparseLabeling(truth, width, height), spacing_mm, with_clusters);
}

// Clusters match through their MCs: a predicted cluster finds every true cluster one of whose
// MCs one of its MCs overlaps; a predicted cluster that finds none is false.
// overlaps: per predicted MC label, the true MC labels it touches.
static void score_clusters(MaskScore& s, const std::vector<Component>& truth, const std::vector<Component>& pred,
                           const std::vector<std::set<int>>& overlaps, double spacing_mm) {
    auto tc = cluster_components(truth, spacing_mm), pc = cluster_components(pred, spacing_mm);
    std::vector<int> truth_cluster(truth.size() + 1, -1);  // truth label -> its cluster
    for (size_t c = 0; c < tc.size(); ++c)
        for (int m : tc[c].members) truth_cluster[m + 1] = int(c);
    std::vector<bool> cluster_found(tc.size(), false);
    s.true_clusters = int64_t(tc.size());
    s.pred_clusters = int64_t(pc.size());
    for (const auto& p : pc) {
        bool matched = false;
        for (int m : p.members)
            for (int t : overlaps[m + 1])
                if (truth_cluster[t] >= 0) {
                    cluster_found[truth_cluster[t]] = true;
                    matched = true;
                }
        s.false_clusters += !matched;
    }
    for (bool f : cluster_found) s.found_clusters += f;
}

MaskScore score_masks(const std::vector<uint8_t>& pred, const SparseLabeling& lt, double spacing_mm,
                      bool with_clusters) {
    const int width = lt.pixels().width(), height = lt.pixels().height();
    if (pred.size() != size_t(width) * height) fail("score: prediction and truth masks differ in size");
    MaskScore s;
    const SparseLabeling lp(pred, width, height);
    const auto &tcomp = lt.components(), &pcomp = lp.components();
    std::vector<bool> truth_found(tcomp.size() + 1, false), pred_hits(pcomp.size() + 1, false);
    std::vector<std::set<int>> overlaps(pcomp.size() + 1);  // pred label -> truth labels it touches
    for (int32_t r = 0; r < int32_t(lp.pixels().size()); ++r) {  // the predicted pixels
        const int32_t t = lt.label_at(lp.pixels().pixel(r)), p = lp.member_label(r);
        if (!t) continue;
        ++s.tp_px;
        truth_found[t] = true;
        pred_hits[p] = true;
        overlaps[p].insert(t);
    }
    s.fp_px = int64_t(lp.pixels().size()) - s.tp_px;
    s.fn_px = int64_t(lt.pixels().size()) - s.tp_px;
    s.true_mcs = int64_t(tcomp.size());
    s.pred_mcs = int64_t(pcomp.size());
    for (size_t k = 1; k < truth_found.size(); ++k) s.found_mcs += truth_found[k];
    for (size_t k = 1; k < pred_hits.size(); ++k) s.false_mcs += !pred_hits[k];
    if (with_clusters) score_clusters(s, tcomp, pcomp, overlaps, spacing_mm);
    return s;
}

}  // namespace mcseg
