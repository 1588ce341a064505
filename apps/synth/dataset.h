// apps/synth/dataset.h — a folder of synthetic mammograms, made in parallel (OpenMP, one image
// per thread). Image k is named synth_SSSS_KKKK (seed, index) and written as NAME.png (16-bit),
// NAME_mask.png (8-bit, 0/255), NAME.json and, with preview, NAME_preview.png. Each image
// depends only on (seed, index), so a dataset can be made in pieces (first, count).
#pragma once
#include <cstdint>
#include <string>

#include "apps/synth/synth.h"

namespace mcseg {

struct SynthDatasetSummary {
    long long images = 0, mcs = 0, clusters = 0, skipped = 0;
    double seconds = 0;
};

// skip_existing: leave images whose three files already exist (to resume an interrupted run).
SynthDatasetSummary synth_dataset(const SynthConfig& cfg, uint64_t seed, long long first, long long count,
                                  const std::string& dir, bool preview, bool skip_existing = false);

std::string synth_name(uint64_t seed, long long index);

}  // namespace mcseg
