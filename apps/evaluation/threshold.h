// apps/evaluation/threshold.h — the decision threshold of a trained network: the probability above
// which it calls a patch positive, chosen on the validation split and stored in its weights.
//
// Training balances positive and negative patches 1:1, where the arg-max (P(positive) > 0.5)
// is the natural decision. Table 1 scores another mix: the paper's overall accuracy weighs C1
// by 1/2 and C2, C3, C4 by 1/6 (apps/evaluation/class_error_table.h), which for the Detector (positives C1..C3) is
// 5/6 positive. Whether that moves the best threshold, and where to, is measured, not assumed:
// `mcseg calibrate` scores the validation split at 0.05, 0.10, ..., 0.95, keeps the threshold of
// the highest overall accuracy (ties: the one nearest 0.5) and writes it into the weights as
// metadata "mcseg.threshold", which `mcseg eval` decides at (weights without it: 0.5). The test
// split is never used to choose it.
//
// `mcseg segment` does not use it. A mammogram's windows are overwhelmingly C4, the opposite of
// Table 1's mix: on the demo image the shipped Detector's calibrated 0.35 let more windows through
// to the Segmentator and gave pixel Dice 0.451 and 353 false MCs, against 0.548 and 221 at 0.5.
// The pipeline's thresholds are its own options (--detector-threshold, --threshold).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "apps/evaluation/evaluate_db.h"

namespace mcseg {

inline constexpr const char* kThresholdKey = "mcseg.threshold";

// The threshold stored in a weights file's metadata, 0.5 when absent; an Error when it is not
// a number strictly between 0 and 1.
double stored_threshold(const std::map<std::string, std::string>& metadata, const std::string& path);

// Decides every outcome again at threshold t (positive when p_positive > t), updating its
// `correct`, and returns `base` with the accuracy and per-class errors of those decisions (the
// loss does not depend on t).
EvalResult decide_at(std::vector<PatchOutcome>& outcomes, Task task, double t, const EvalResult& base);

struct ThresholdRow {
    double threshold = 0.5;
    EvalResult result;
};

// The outcomes decided at 0.05, 0.10, ..., 0.95.
std::vector<ThresholdRow> threshold_sweep(std::vector<PatchOutcome> outcomes, Task task, const EvalResult& base);

// The sweep's threshold of the highest overall accuracy (apps/evaluation/class_error_table.h); ties go to the one
// nearest 0.5, so a flat sweep keeps the arg-max.
double best_threshold(const std::vector<ThresholdRow>& sweep);

// Markdown: one row per threshold (per-class errors, overall accuracy), the chosen one marked.
std::string sweep_markdown(const std::vector<ThresholdRow>& sweep, double chosen);

// Writes `weights` again as `out` (may be the same path; atomic) with "mcseg.threshold" = t.
void store_threshold(const std::string& weights, const std::string& out, double t);

struct Calibration {
    double threshold = 0.5;
    std::vector<ThresholdRow> sweep;
};

// mcseg calibrate: evaluates the weights on `per_class` patches per class of `split` ("val" or
// "train"; "test" is refused, it would leak into Table 1), sweeps, and writes the weights with
// the chosen threshold to `out`.
Calibration calibrate_on_db(const std::string& weights, const std::string& db, const std::string& split,
                            size_t per_class, Device device, const std::string& out);

}  // namespace mcseg
