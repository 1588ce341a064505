// tests/fuzz/fuzz_safetensors.cpp — the safetensors reader (engine/safetensors.h
// load_safetensors): the input is a whole file, header length, JSON header and tensor data. The
// reader takes a path, so the bytes go to a temporary file first. Every F32 tensor it accepts is
// read in full, so a tensor whose offsets point outside the data would be an ASan report. A
// rejected file is an mcseg::Error; any other exception or signal is a finding.
#include <cstdint>

#include "engine/error.h"
#include "engine/safetensors.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static mcseg::fuzz::FuzzFile file("input.safetensors");
    try {
        const mcseg::SafeTensorsFile f = mcseg::load_safetensors(file.write(data, size));
        float sum = 0;
        for (const auto& [name, entry] : f.entries)
            if (entry.dtype == "F32" && entry.tensor.defined())
                for (float v : entry.tensor.to_host()) sum += v;
        (void)sum;
    } catch (const mcseg::Error&) {
    }
    return 0;
}
