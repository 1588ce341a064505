// apps/otsu.h — background removal: Otsu's threshold on the full 16-bit histogram, the breast
// mask it gives, and the per-image pixel normalisation computed over that mask.
//
// Otsu (1979) picks the threshold t that maximises the between-class variance
// w0(t) w1(t) (mu0(t) - mu1(t))^2 of the two classes {v <= t} and {v > t}. On a mammogram the two
// modes are air (dark) and tissue; the breast is {v > t}. All 65 536 levels are used, so
// 12-, 14- and 16-bit data need no rescaling first.
//
// Normalisation (the one the patch sampler and the inference use): x = (v - mean) / std with
// mean and std over the breast pixels of the same image. Per-image statistics make patches
// from detectors (and digitised films) with different bit depths and windowing comparable while
// keeping the local contrast of a microcalcification against its own tissue.
#pragma once
#include <cstdint>
#include <vector>

#include "apps/image_io.h"

namespace mcseg {

// Threshold t; the foreground is {v > t}. A constant image gives its value (empty foreground).
int otsu_threshold(const uint16_t* pixels, size_t n);
// 1 where the pixel is above the Otsu threshold (breast), 0 for background.
std::vector<uint8_t> breast_mask(const GrayImage& img);

struct PixelNorm {
    float mean = 0, std = 1;
};
// Mean and standard deviation of the pixels where mask != 0 (all pixels when the mask is empty);
// std is floored at 1 grey level.
PixelNorm masked_stats(const GrayImage& img, const std::vector<uint8_t>& mask);

}  // namespace mcseg
