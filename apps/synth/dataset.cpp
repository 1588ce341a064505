// apps/synth/dataset.cpp — see dataset.h.
#include "apps/synth/dataset.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "apps/terminal/progress.h"
#include "engine/error.h"

namespace mcseg {

std::string synth_name(uint64_t seed, long long index) {
    char name[64];
    std::snprintf(name, sizeof name, "synth_%04llu_%04lld", (unsigned long long)seed, index);
    return name;
}

SynthDatasetSummary synth_dataset(const SynthConfig& cfg, uint64_t seed, long long first, long long count,
                                  const std::string& dir, bool preview, bool skip_existing) {
    namespace fs = std::filesystem;
    if (count < 1 || count > 100000) fail("--count must be in 1..100000, got ", count);
    if (first < 0) fail("--first must be >= 0");
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) fail("cannot create folder '", dir, "': ", ec.message());

    Progress progress("synth", count);
    std::atomic<long long> done{0}, mcs{0}, clusters{0}, skipped{0};
    FirstError error;
    auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel for schedule(dynamic, 1)
    for (long long k = first; k < first + count; ++k) {
        try {
            const std::string name = synth_name(seed, k);
            const fs::path base = fs::path(dir) / name;
            if (skip_existing && fs::exists(base.string() + ".png") && fs::exists(base.string() + "_mask.png") &&
                fs::exists(base.string() + ".json")) {
                ++skipped;
            } else {
                SynthImage img = synthesize(cfg, seed, int(k));
                write_synth(img, dir, name);
                if (preview) write_synth_preview(img, base.string() + "_preview.png");
                mcs += img.mcs.size();
                clusters += img.clusters.size();
            }
        } catch (...) {
            error.record(long(k));
        }
        long long d = ++done;
#pragma omp critical(synth_progress)
        progress.update(d);
    }
    error.rethrow();
    progress.finish();
    return {count, mcs, clusters, skipped, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()};
}

}  // namespace mcseg
