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
// Table 1's mix: on the demo image the first shipped Detector's calibrated 0.35 let more windows
// through to the Segmentator and gave pixel Dice 0.451 and 353 false MCs, against 0.548 and 221
// at 0.5. The whole-image pipeline has its own operating point, chosen on whole mammograms: the
// Segmentator threshold at which validation images (never the held-out ones) give a chosen
// number of false MCs per cm² of breast, read off their FROC curve (`mcseg segment` them,
// `mcseg score --json`, then `mcseg calibrate --froc`). It is stored as metadata
// "mcseg.pipeline_threshold" in the Segmentator's weights, and `mcseg segment` uses it unless
// --threshold is given.
#pragma once
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/evaluation/evaluate_db.h"
#include "nets/weights.h"

namespace mcseg {

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

// Writes the network of `weights` (a weights file or a run's checkpoint) as `out` (may be the same
// path; atomic) with metadata `key` = t. A checkpoint's optimiser and schedule state is left out,
// so `out` is always a plain weights file: this is how a run's last step is shipped.
void store_threshold(const std::string& weights, const std::string& out, double t, const char* key = kThresholdKey);

// The whole-image operating point on the FROC curve of a `mcseg score --json` file (`score`): the
// lowest threshold whose false MCs per cm² of breast are at most `fp_per_cm2`, i.e. the highest
// MC sensitivity within that budget. The curve's thresholds are on the 8-bit probability map
// (p > k/255 with p rounded to k/255); the returned (k + 0.5)/255 makes mcseg segment's float test
// p > t keep the same pixels. An Error naming `path` when the file has no per-cm² curve or no
// threshold meets the budget.
double operating_threshold(const nlohmann::json& score, double fp_per_cm2, const std::string& path);

// mcseg calibrate --froc: reads `score_path`, chooses the operating threshold and writes the
// Segmentator `weights` with it (mcseg.pipeline_threshold) to `out`; returns it.
double calibrate_operating_point(const std::string& weights, const std::string& score_path, double fp_per_cm2,
                                 const std::string& out);

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
