// apps/imaging/normalise.h — the pixel normalisation the networks see, in training and inference.
//
// Normalisation (the one the patch sampler and the inference use): x = (v - mean) / std with
// mean and std over the breast pixels of the same image. Per-image statistics make patches
// from detectors (and digitised films) with different bit depths and windowing comparable while
// keeping the local contrast of a microcalcification against its own tissue.
#pragma once
#include <cstdint>
#include <vector>

#include "apps/io/gray_image.h"

namespace mcseg {

struct PixelNorm {
    float mean = 0, std = 1;
    // x = (v - mean) / std, computed as (v - mean) * (1 / std): the one formula for every pixel
    // a network sees (the sampler's patches and the segmentation's image).
    float apply(float v) const { return (v - mean) * (1.0f / std); }
};

// Mean and standard deviation of the pixels where mask != 0 (all pixels when the mask is empty);
// std is floored at 1 grey level.
PixelNorm masked_stats(const GrayImage& img, const std::vector<uint8_t>& mask);

}  // namespace mcseg
