// apps/imaging/normalise.h — the pixel normalisation the networks see, in training and inference:
// the sampler's patches (apps/dataset/sampler.h) and the segmentation's image
// (apps/segment/pipeline.h) go through the same functions. A network records which one it was
// trained on (NetConfig::input), so inference applies the same.
//
// "breast-z" (the paper-era default): x = (v - mean) / std with mean and std over the breast
// pixels of the same image. Simple, but a crop of tissue and the same tissue inside its breast
// get different statistics, and an image whose noise is large against its tissue texture (as real
// mammograms' is, against our synthetic ones) shows its noise blobs at MC-like amplitudes.
//
// "local-noise": x = (v - B) / S, in units of the local pixel noise:
//   B  the local background: a Gaussian average of the breast's pixels, sigma 2 mm (normalised
//      convolution: blur(v * m) / blur(m) with m the breast mask, so the air never pulls it down);
//   S  the local pixel noise: 1.4826 MAD of Immerkaer's second-difference residual
//      (pixel_noise.h) over the breast pixels of 6.4 mm tiles, bilinear between tile centres,
//      floored at a quarter of the image's breast noise (tiles with too little breast take it);
//   x = 0 outside the breast.
// An MC is then "so many noise sigmas above its surround", whatever the detector, dose,
// processing or crop: the quantity that decides whether it can be seen. It is stored as a
// 16-bit code, 32768 + 256 x (clamped), so the sampler keeps images at 2 bytes a pixel;
// kLocalNoiseCode decodes it. Away from a crop's border (more than ~3 sigma = 6 mm), a crop and
// the same tissue inside its breast get the same x (tests/test_imaging_normalise.cpp measures it).
#pragma once
#include <cstdint>
#include <string>
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

enum class InputNorm { BreastZ, LocalNoise };
InputNorm parse_input_norm(const std::string& name);  // "breast-z" | "local-noise"; else an Error

inline constexpr PixelNorm kLocalNoiseCode{32768.0f, 256.0f};
inline constexpr double kBackgroundMm = 2.0, kNoiseTileMm = 6.4;

// The "local-noise" image as 16-bit codes (decode with kLocalNoiseCode).
std::vector<uint16_t> local_noise_codes(const GrayImage& img, const std::vector<uint8_t>& breast, double spacing_mm);

// What a network trained on `mode` sees of an image, as 16-bit samples and the PixelNorm that
// decodes them: the image itself and its breast statistics (breast-z), or its local-noise codes.
struct NetworkInput {
    std::vector<uint16_t> samples;
    PixelNorm norm;
};
NetworkInput network_input(const GrayImage& img, const std::vector<uint8_t>& breast, double spacing_mm, InputNorm mode);

}  // namespace mcseg
