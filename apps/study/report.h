// apps/study/report.h — what a study run found, and its report: DIR/report.md (Table 1 beside
// the paper, the runs with their curves, the time taken) and DIR/report.json (the same figures,
// with the arg-max rows).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apps/evaluation/class_error_table.h"
#include "apps/study/study.h"
#include "apps/synth/synth.h"

namespace mcseg {

struct StudyRun {
    std::string name;                 // e.g. detector-n49-same
    std::string not_constructible;    // why the network cannot be built (N too small); empty if it can
    nlohmann::ordered_json training;  // its result.json: outcome, steps, best step, final lr, seconds
    Table1Eval table1;                // test split at the calibrated threshold and at 0.5
};

struct StudyReport {
    StudyOptions options;             // at scale (no zero defaults left)
    SynthConfig synth;                // the last image configuration made
    std::vector<StudyRun> runs;
    // Synthesis, databases and training summed over every invocation on the folder; calibration
    // and evaluation, which every invocation redoes, counted once.
    double seconds_synth = 0, seconds_patches = 0, seconds_training = 0, seconds_evaluation = 0;
    double seconds_this_invocation = 0;
    std::vector<Table1Row> rows() const;  // the constructible runs' rows at their thresholds
};

void write_study_report(const StudyReport& report);

}  // namespace mcseg
