// apps/evaluation — how good a trained network or a segmentation is. This room owns the
// per-class error table of the paper (Table 1) on a split of a patch database, the decision
// threshold chosen on validation data, where on a patch a network fails (error by ring), and the
// scoring of predicted masks against ground truth (pixel Dice, MC-wise and cluster-wise, FROC).
// It may use dataset, segment (the cluster rule), draw, imaging, io, the engine and nets; it
// never makes data (no synth).
//
// apps/evaluation/evaluate_db.h — a network on a fixed, class-balanced set of patches of one split
// of a patch database, every patch's outcome kept.
#pragma once
#include <string>
#include <vector>

#include "apps/dataset/sampler.h"
#include "engine/random.h"
#include "nets/evaluate.h"

namespace mcseg {

// One patch of an evaluation set and what the network made of it.
struct PatchOutcome {
    std::string image, mask_path;  // image name and its mask file
    int x = 0, y = 0, cls = 0;     // centre, class 1..4
    float p_positive = 0;          // the network's probability of label 1
    bool correct = false;          // decided at the arg-max (evaluation/threshold.h decides again)
};

// Evaluates a network on `per_class` patches of each class of a split (fewer when a class has
// fewer), chosen with `seed`; `outcomes`, when given, receives every patch of the set.
EvalResult evaluate_on_db(Network& net, Task task, const std::string& db, const std::string& split, size_t per_class,
                          uint64_t seed = streams::kEvalSetSeed, std::vector<PatchOutcome>* outcomes = nullptr);

}  // namespace mcseg
