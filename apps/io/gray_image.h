// apps/io/gray_image.h — a grayscale image held as 16-bit samples, whatever file it came from.
//
// Mammograms are single-channel and need more than 8 bits, so every image is held as 16-bit
// samples (an 8-bit PNG keeps its 0..255 values; bit_depth remembers which it was).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mcseg {

struct GrayImage {
    int width = 0, height = 0;
    int bit_depth = 16;             // of the source: 8 or 16 (DICOM: Bits Stored, rounded up)
    std::vector<uint16_t> pixels;   // row-major, width*height
    double pixel_spacing_mm = 0;    // 0 when the file does not say (PNG)
    uint16_t at(int x, int y) const { return pixels[size_t(y) * width + x]; }
};

// A pixel spacing read from a file or an option must be a finite number of millimetres in
// (0, 10): an Error naming `what` otherwise (a spacing of 1e30 used to crash the cluster rule).
double checked_spacing_mm(double mm, const std::string& what);

}  // namespace mcseg
