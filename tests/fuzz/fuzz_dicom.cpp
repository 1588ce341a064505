// tests/fuzz/fuzz_dicom.cpp — DICOM reading (apps/io/dicom.h read_dicom): the input is the bytes
// of a .dcm file. DCMTK reads from a path, so the bytes go to a temporary file first. A rejected
// file is an mcseg::Error; any other exception or signal is a finding.
#include <cstdint>
#include <cstdlib>

#include "apps/io/dicom.h"
#include "engine/error.h"
#include "tests/fuzz/fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static mcseg::fuzz::FuzzFile file("input.dcm");
    try {
        const mcseg::GrayImage img = mcseg::read_dicom(file.write(data, size));
        // What every reader promises: a non-empty image, pixels matching its size, a usable spacing.
        if (img.width < 1 || img.height < 1 || img.pixels.size() != size_t(img.width) * size_t(img.height) ||
            !(img.pixel_spacing_mm >= 0 && img.pixel_spacing_mm < 10))
            std::abort();
    } catch (const mcseg::Error&) {
    }
    return 0;
}
