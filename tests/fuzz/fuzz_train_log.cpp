// tests/fuzz/fuzz_train_log.cpp — a training run's log.jsonl, read as `train --resume` reads it:
// the run folder cuts the log back to the checkpoint's step (nets/run_folder.h; step 500 here,
// the seed logs run past it), then the curves of the whole run are drawn from what is left
// (apps/draw/training_curves.h training_curves: the reading and the charts, without the PNG
// encoding, which would take most of the time). The input is the log file. A rejected log is an
// mcseg::Error; any other exception or signal is a finding.
#include <cstdint>
#include <filesystem>

#include "apps/draw/training_curves.h"
#include "engine/error.h"
#include "nets/run_folder.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static mcseg::fuzz::FuzzFile file("log.jsonl");
    try {
        const std::string log = file.write(data, size);
        const mcseg::RunFolder run(std::filesystem::path(log).parent_path().string(), /*fresh=*/false, /*log_step=*/500);
        mcseg::training_curves(run.log_path(), "fuzz");
    } catch (const mcseg::Error&) {
    }
    return 0;
}
