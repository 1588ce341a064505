// apps/table1.h — Table 1 of the paper for one trained network: the error rate per patch class
// C1..C4 and the overall accuracy on a class-balanced test set, beside the paper's figures.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "nets/train.h"

namespace mcseg {

struct Table1Row {
    std::string net, conv;  // detector|segmentator, same|valid
    int patch = 0;
    EvalResult result;
};

// Overall accuracy of a class-balanced set: the mean of the per-class accuracies (the plain
// accuracy when every class has the same count, and not skewed when one class has fewer).
double balanced_accuracy(const EvalResult& r);

// {"net", "conv", "patch", "overall_accuracy" (%, balanced), "class_error" {"C1".."C4"} (%), "class_count",
//  "samples", "loss", "paper" {...} when the paper has that row (N = 49)}
nlohmann::json table1_json(const Table1Row& row);

// Markdown: one header, then per row "ours" and, where it exists, "paper".
std::string table1_markdown(const std::vector<Table1Row>& rows);

}  // namespace mcseg
