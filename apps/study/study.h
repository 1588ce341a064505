// apps/study — the paper's whole study, run end to end on synthetic data. This room owns the
// study's plan (a dataset of digital and digitised-film mammograms, one patch database per patch
// side N, both networks × same/valid × N), running it resumably in one folder, and its report
// (report.md, report.json, the curves); and hard-negative mining for the next training round
// (mine.h). It may use synth, dataset, segment, evaluation, draw and terminal.
//
// apps/study/study.h — `mcseg reproduce`:
//   1. a synthetic dataset (283 full-field mammograms, a quarter of them digitised film, as the
//      paper mixes both), split 231/25/27 by image;
//   2. one patch database per patch side N ∈ {29, 39, 49};
//   3. the Detector and the Segmentator × same/valid × N, each trained with the paper's recipe
//      (valid needs N >= 42, so N = 29 and 39 valid are reported as not constructible);
//   4. Table 1 on the test split for every network, beside the paper's figures, with the curves:
//      decided at the threshold chosen on the validation split (apps/evaluation/threshold.h); the
//      arg-max figures are in report.json too.
// Every step is resumable: existing images, databases and finished runs are kept, an
// interrupted run continues from its checkpoint. `quick` does the same at toy scale (CI).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "apps/evaluation/class_error_table.h"
#include "engine/backend.h"

namespace mcseg {

struct StudyOptions {
    std::string out;                      // the study folder
    bool quick = false;                   // toy scale: 12 small images, 60 steps, width 8
    Device device = Device::CPU;
    uint64_t seed = 1;                    // dataset and training
    long long count = 0, steps = 0;       // images, steps per network (0: the scale's default)
    int filters = 0;                      // conv width (0: the scale's default)
    std::vector<int> sides{29, 39, 49};   // patch sides N
};

// Runs (or resumes) the study in opt.out, writes DIR/report.md and DIR/report.json, and returns
// the Table 1 rows, one per network that could be built. An interrupted training is an Error that
// says how to continue.
std::vector<Table1Row> run_study(const StudyOptions& opt);

}  // namespace mcseg
