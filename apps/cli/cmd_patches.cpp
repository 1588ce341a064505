// apps/cli/cmd_patches.cpp — `mcseg patches`: index a folder of image + mask pairs into the SQLite
// patch database (patch_db.h) and print the per-class counts per split.
#include <chrono>
#include <cstdio>

#include "apps/cli/args.h"
#include "apps/cli/commands.h"
#include "apps/dataset/patch_db.h"
#include "apps/terminal/progress.h"

namespace mcseg {
namespace {

int run_patches(int argc, char** argv) {
    Args a(argc, argv, "mcseg patches --images DIR --patch N --db FILE [--split auto|test]",
           "Build (or update) the SQLite patch database of C1..C4 patch centres from NAME.png + NAME_mask.png pairs.");
    a.option("--images", "DIR", "folder of NAME.png|NAME.dcm + NAME_mask.png [+ NAME.json]");
    a.option("--patch", "N", "patch side (odd)", "49");
    a.option("--db", "FILE", "SQLite database to create or update");
    a.option("--split", "MODE", "auto: 231/25/27 of 283 train/val/test, scaled; test: all images in test", "auto");
    a.option("--seed", "S", "seed of the split and of the C3/C4 subsampling", "1");
    a.option("--max-c3", "K", "C3 centres kept per image (uniform random subset)", "10000");
    a.option("--max-c4", "K", "C4 centres kept per image (uniform random subset)", "10000");
    if (a.parse()) return 0;
    PatchDbOptions opt;
    opt.patch = int(a.get_int("--patch", 3, 4096));
    opt.split = a.get("--split");
    opt.seed = uint64_t(a.get_int("--seed", 0, kMaxSeed));
    opt.max_c3 = a.get_int("--max-c3", 0, 1000000000);
    opt.max_c4 = a.get_int("--max-c4", 0, 1000000000);
    opt.progress = true;
    auto t0 = std::chrono::steady_clock::now();
    const PatchDbSummary s = build_patch_db(a.get("--images"), a.get("--db"), opt);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("patches: %d images (%d indexed, %d unchanged, %d removed) in %s -> %s (N = %d)\n", s.images, s.indexed,
                s.unchanged, s.removed, format_duration(secs).c_str(), a.get("--db").c_str(), opt.patch);
    std::printf("%-6s %6s %10s %10s %10s %10s\n", "split", "images", "C1", "C2", "C3", "C4");
    for (int k = 0; k < 3; ++k)
        std::printf("%-6s %6d %10lld %10lld %10lld %10lld\n", kSplitNames[k], s.split_images[k], s.split_patches[k][kC1],
                    s.split_patches[k][kC2], s.split_patches[k][kC3], s.split_patches[k][kC4]);
    std::printf("%-6s %6d %10lld %10lld %10lld %10lld\n", "total", s.images, s.patches[kC1], s.patches[kC2],
                s.patches[kC3], s.patches[kC4]);
    return 0;
}

const RegisterCommand reg{{"patches", "build the SQLite patch database (C1..C4 centres) from image + mask pairs", run_patches}};

}  // namespace
}  // namespace mcseg
