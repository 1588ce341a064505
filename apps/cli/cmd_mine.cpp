// apps/cli/cmd_mine.cpp — `mcseg mine`: hard negatives for the next training round
// (apps/study/mine.h does the work).
#include <cstdio>
#include <memory>

#include "apps/cli/args.h"
#include "apps/cli/commands.h"
#include "apps/study/mine.h"
#include "apps/terminal/progress.h"
#include "engine/error.h"

namespace mcseg {
namespace {

int run_mine(int argc, char** argv) {
    Args a(argc, argv, "mcseg mine --db FILE --detector FILE --segmentator FILE [--images K] [--round R]",
           "Run the whole-image pipeline on the training images of a patch database and store what it\n"
           "gets wrong as hard examples of the next training round: the pixels of every MC it finds\n"
           "that overlaps no true MC and of every true MC it misses (Segmentator), and the centres of its\n"
           "positive windows that hold no MC (Detector). Train with them: mcseg train ... --hard-share 0.25\n"
           "[--hard-positive-share 0.25] [--init best.safetensors].");
    a.option("--db", "FILE", "patch database made by mcseg patches");
    a.option("--detector", "FILE", "Detector weights");
    a.option("--segmentator", "FILE", "Segmentator weights");
    a.option("--device", "D", "cpu, cuda or auto", "auto");
    a.option("--split", "S", "split to mine: train (val would leak into model choice)", "train");
    a.option("--images", "K", "mine a seeded choice of K images (0: all)", "0");
    a.option("--max-per-image", "K", "at most K examples per image, kind and network", "2000");
    a.option("--round", "R", "mining round (stored with the examples)", "1");
    a.option("--seed", "S", "seed of the choices", "1");
    if (a.parse()) return 0;
    MineOptions o;
    o.db = a.get("--db");
    o.detector = a.get("--detector");
    o.segmentator = a.get("--segmentator");
    o.device = resolve_device(a.get("--device"));
    o.split = a.get("--split");
    if (o.split != "train") fail("--split must be train: negatives mined on val or test would leak into them");
    o.images = int(a.get_int("--images", 0, 1000000));
    o.max_per_image = int(a.get_int("--max-per-image", 1, 1000000));
    o.round = int(a.get_int("--round", 1, 1000000));
    o.seed = uint64_t(a.get_int("--seed", 0, kMaxSeed));
    std::unique_ptr<Progress> bar;
    const MineSummary s = mine_hard_negatives(o, [&](int done, int total) {
        if (!bar) bar = std::make_unique<Progress>("mine", total);
        bar->update(done);
    });
    if (bar) bar->finish();
    std::printf("mine: %d images: %lld false MCs, %lld missed MCs, %lld false Detector windows; added %lld "
                "Segmentator hard negatives, %lld hard positives and %lld Detector hard negatives (round %d) to %s\n",
                s.images, s.false_mcs, s.missed_mcs, s.false_windows, s.segmentator_added, s.positives_added,
                s.detector_added, o.round, o.db.c_str());
    return 0;
}

const RegisterCommand reg{{"mine", "store what a trained pipeline gets wrong as hard examples for training", run_mine}};

}  // namespace
}  // namespace mcseg
