// apps/imaging/resample.h — an image seen at another pixel spacing: to run networks trained at
// 0.05 mm on a 0.07 mm mammogram, the image is resampled by 0.07 / 0.05 = 1.4 and the results
// are brought back. Bilinear interpolation between pixel centres (pixel k of a grid scaled by s has
// its centre at (k + 0.5) / s - 0.5 in the source); when shrinking, each output pixel first
// averages the source pixels it covers (a box of 1/s), so fine noise is not aliased.
#pragma once
#include <cstdint>
#include <vector>

#include "apps/io/gray_image.h"

namespace mcseg {

// The output size of a side scaled by s (at least 1).
int scaled_side(int side, double s);

// img scaled by s in both directions; its pixel spacing divided by s.
GrayImage resample_image(const GrayImage& img, double s);

// An 8-bit map of width x height brought to out_width x out_height (bilinear; masks: threshold it).
std::vector<uint8_t> resample_map(const std::vector<uint8_t>& map, int width, int height, int out_width,
                                  int out_height);

}  // namespace mcseg
