// tests/fuzz/fuzz_train_log.cpp — a training run's log.jsonl, as read back to draw the curves of
// the whole run when training resumes (apps/draw/training_curves.h training_curves: the reading
// and the charts of its numbers, without the PNG encoding, which would take most of the time).
// The input is the log file. A rejected log is an mcseg::Error; any other exception or signal is
// a finding.
#include <cstdint>

#include "apps/draw/training_curves.h"
#include "engine/error.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static mcseg::fuzz::FuzzFile file("log.jsonl");
    try {
        mcseg::training_curves(file.write(data, size), "fuzz");
    } catch (const mcseg::Error&) {
    }
    return 0;
}
