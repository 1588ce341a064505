// apps/evaluation/class_error_table.h — Table 1 of the paper for one trained network: the error rate per patch class
// C1..C4 and the overall accuracy, beside the paper's figures.
//
// The paper does not say how its overall accuracy weights the classes ("each set contained a
// balanced number of samples, considering the presence of each class inside"). Its four overall
// figures are, to the last digit, 0.5 acc(C1) + 0.5 mean(acc(C2), acc(C3), acc(C4)) of its own
// per-class errors — e.g. Detector same: 100 - (0.5 x 0.09 + (0.47 + 7.84 + 2.09) / 6) = 98.22 —
// so its test set held as many C1 patches as C2..C4 together, those three in equal shares, for
// both networks. overall_accuracy() is that weighting; the plain mean over the four classes
// (class_mean_accuracy) is reported beside it.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "apps/evaluation/evaluate_db.h"
#include "nets/evaluate.h"

namespace mcseg {

struct Table1Row {
    std::string net, conv;  // detector|segmentator, same|valid
    int patch = 0;
    EvalResult result;
    double threshold = 0.5;  // P(positive) above which a patch was called positive (apps/evaluation/threshold.h)
};

// The weights' rows of Table 1 on one split: decided at their threshold and at the arg-max (0.5).
struct Table1Eval {
    Table1Row at_threshold, at_argmax;
    std::vector<PatchOutcome> outcomes;  // every patch, decided at the threshold
};

// Evaluates `net` (a `kind`, "detector" | "segmentator") on `per_class` patches of each class of
// a split of the patch database, chosen with `seed`.
Table1Eval table1_on_db(Network& net, const std::string& kind, const std::string& db, const std::string& split,
                        size_t per_class, double threshold, uint64_t seed = streams::kEvalSetSeed);

// The paper's overall accuracy (0..1): weights 1/2, 1/6, 1/6, 1/6 on the accuracies of C1..C4,
// renormalised over the classes present.
double overall_accuracy(const EvalResult& r);
// The mean of the per-class accuracies over the classes present (0..1).
double class_mean_accuracy(const EvalResult& r);

// {"net", "conv", "patch", "threshold", "overall_accuracy" (%, the paper's weighting), "class_mean_accuracy" (%),
//  "class_error" {"C1".."C4"} (%), "class_count",
//  "samples", "loss", "paper" {...} when the paper has that row (N = 49)}
nlohmann::json table1_json(const Table1Row& row);

// Markdown: one header, then per row "ours" (with its threshold when it is not 0.5) and, after
// the last row of a network, the paper's row where it exists.
std::string table1_markdown(const std::vector<Table1Row>& rows);

}  // namespace mcseg
