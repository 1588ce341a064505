// bench/bench_sampler.cpp — `mcseg bench sampler`: patches per second of the minibatch sampler
// (apps/dataset/sampler.h) on one core, the rate training needs to never wait for data (target 20 000
// patches/s at N = 49).
//
// Data: a throw-away set of synthetic mammograms (--images, default 4 at 2048x2560) indexed
// into a patch database in a temporary folder, or an existing database (--db). The timed loop
// is Sampler::next() with augmentation, batch 256, Detector labels, for --seconds.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include <omp.h>

#include "apps/cli/args.h"
#include "apps/dataset/patch_db.h"
#include "apps/dataset/sampler.h"
#include "apps/synth/synth.h"
#include "bench/bench.h"

namespace mcseg {
namespace {

int run(int argc, char** argv) {
    Args a(argc, argv, "mcseg bench sampler [--db FILE] [--patch N] [--seconds S]",
           "Patches per second of the minibatch sampler on one core.");
    a.option("--db", "FILE", "existing patch database (default: make a synthetic one)", "");
    a.option("--split", "NAME", "split to sample", "train");
    a.option("--patch", "N", "patch side for the synthetic database", "49");
    a.option("--images", "K", "synthetic images to make", "4");
    a.option("--seconds", "S", "time to sample for", "3");
    if (a.parse()) return 0;
    namespace fs = std::filesystem;
    std::string db = a.get("--db");
    fs::path tmp;
    if (db.empty()) {
        tmp = fs::temp_directory_path() / ("mcseg_bench_sampler_" + std::to_string(getpid()));
        fs::create_directories(tmp);
        SynthConfig cfg;
        cfg.width = 2048;
        cfg.height = 2560;
        const int k = int(a.get_int("--images", 1, 10000));
#pragma omp parallel for schedule(dynamic, 1)
        for (int i = 0; i < k; ++i) {
            SynthImage img = synthesize(cfg, 11, i);
            write_synth(img, tmp.string(), "bench_" + std::to_string(i));
        }
        PatchDbOptions opt;
        opt.patch = int(a.get_int("--patch", 3, 4096));
        db = (tmp / "patches.db").string();
        build_patch_db(tmp.string(), db, opt);
    }
    double rate = 0;
    int n = 0;
    {
        PatchSet set(db, a.get("--split"));
        n = set.patch();
        omp_set_num_threads(1);
        SamplerConfig sc;
        Sampler s(set, sc);
        Batch b;
        s.next(b);  // warm-up
        const double seconds = a.get_double("--seconds", 0.01, 3600);
        long long patches = 0;
        auto t0 = std::chrono::steady_clock::now();
        double el = 0;
        while (el < seconds) {
            s.next(b);
            patches += b.size;
            el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        rate = patches / el;
    }
    if (!tmp.empty()) fs::remove_all(tmp);
    std::printf("{\"case\": \"sampler\", \"ours\": %.0f, \"unit\": \"patches/s\", \"target\": 20000, \"ratio\": %.2f, "
                "\"patch\": %d, \"batch\": 256, \"threads\": 1}\n",
                rate, rate / 20000, n);
    return 0;
}

const RegisterBench reg{{"sampler", "minibatch sampler throughput (patches/s, one core) vs the 20k/s target", run}};

}  // namespace
}  // namespace mcseg
