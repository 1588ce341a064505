// tests/fuzz/fuzz_sidecar.cpp — an image folder's JSON sidecar (apps/io/image_folder.h
// sidecar_spacing): the input is the NAME.json file, of which only pixel_spacing_mm is used. A
// spacing it returns must be one the pipeline can use (0 = none, else checked_spacing_mm's range).
// A rejected file is an mcseg::Error; any other exception or signal is a finding.
#include <cstdint>
#include <cstdlib>

#include "apps/io/image_folder.h"
#include "engine/error.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static mcseg::fuzz::FuzzFile file("image.json");
    try {
        const double spacing = mcseg::sidecar_spacing(file.write(data, size));
        if (!(spacing >= 0 && spacing < 10)) std::abort();
    } catch (const mcseg::Error&) {
    }
    return 0;
}
