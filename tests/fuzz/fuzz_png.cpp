// tests/fuzz/fuzz_png.cpp — PNG decoding (apps/io/image.h decode_png_gray): the input is the bytes
// of a PNG file, as read from an image folder. stb_image decodes it in memory, so no file is
// needed. A rejected file is an mcseg::Error; any other exception or signal is a finding.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "apps/io/image.h"
#include "engine/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const mcseg::GrayImage img = mcseg::decode_png_gray(std::vector<uint8_t>(data, data + size), "fuzz.png");
        // What every reader promises: a non-empty image, pixels matching its size, a usable spacing.
        if (img.width < 1 || img.height < 1 || img.pixels.size() != size_t(img.width) * size_t(img.height) ||
            !(img.pixel_spacing_mm >= 0 && img.pixel_spacing_mm < 10))
            std::abort();
    } catch (const mcseg::Error&) {
    }
    return 0;
}
