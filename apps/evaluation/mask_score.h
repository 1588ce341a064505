// apps/evaluation/mask_score.h — how well a predicted MC mask matches the ground truth, at three levels:
//   pixels   Dice, precision, recall;
//   MCs      a true MC is FOUND when some predicted MC overlaps it (shares a pixel); a predicted
//            MC overlapping no true MC is a FALSE POSITIVE → sensitivity and FPs per image;
//   clusters a true cluster is found when one of its MCs is overlapped by an MC of a predicted
//            cluster; a predicted cluster none of whose MCs overlaps an MC of a true cluster is
//            false (matching through MCs, not boxes, so a sprawling cluster of false positives
//            that merely covers a true cluster's area does not count as finding it).
// Sweeping a threshold over a score map (the Segmentator's probability) gives the FROC curve:
// MC sensitivity against false positives per image.
#pragma once
#include <cstdint>
#include <vector>

#include "apps/evaluation/sparse_labeling.h"
#include "apps/segment/clusters.h"

namespace mcseg {

struct MaskScore {
    int64_t tp_px = 0, fp_px = 0, fn_px = 0;
    int64_t true_mcs = 0, found_mcs = 0;   // MC-wise detection
    int64_t pred_mcs = 0, false_mcs = 0;
    int64_t true_clusters = 0, found_clusters = 0, pred_clusters = 0, false_clusters = 0;
    MaskScore& operator+=(const MaskScore& o);
    double dice() const;        // 2TP / (2TP + FP + FN); 1 when both masks are empty
    double precision() const;   // TP / (TP + FP); 1 when nothing was predicted
    double recall() const;      // TP / (TP + FN); 1 when there is nothing to find
    double mc_sensitivity() const;
    double cluster_sensitivity() const;
};

// pred and truth: width*height, non-zero = MC. spacing_mm: for the cluster rule.
// with_clusters = false skips the cluster level (the FROC sweep needs MCs only).
MaskScore score_masks(const std::vector<uint8_t>& pred, const std::vector<uint8_t>& truth, int width,
                      int height, double spacing_mm, bool with_clusters = true);
// The same with the truth already labelled, so that a caller scoring the same truth more than once
// labels it once.
MaskScore score_masks(const std::vector<uint8_t>& pred, const SparseLabeling& truth, double spacing_mm,
                      bool with_clusters = true);

}  // namespace mcseg
