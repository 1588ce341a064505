// tests/fuzz/fuzz_patch_db.cpp — opening a patch database (apps/dataset/patch_db.h PatchDbReader)
// and reading all of it as training and evaluation do: meta, images, patches and hard negatives
// of every split. The input is the SQLite file; the seeds are real databases, so mutations reach
// the queries and the checks of their rows, not only SQLite's header check. A rejected file is
// an mcseg::Error; any other exception or signal is a finding.
#include <cstdint>

#include "apps/dataset/patch_db.h"
#include "engine/error.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static mcseg::fuzz::FuzzFile file("patches.db");
    try {
        mcseg::PatchDbReader db(file.write(data, size));
        db.meta("seed");
        for (const char* split : {"train", "val", "test", "all"}) {
            db.images(split);
            db.patches(split);
            db.median_spacing(split);
            db.hard_examples(split, "detector");
        }
    } catch (const mcseg::Error&) {
    }
    return 0;
}
