// apps/imaging — classic image processing on whole images, with no learning in it: Otsu's
// background removal, the pixel normalisation the networks see (normalise.h), Gaussian blur,
// connected-component labelling, the Euclidean distance transform, summed-area tables and a
// robust noise estimate. It may use io (GrayImage) and the engine.
//
// apps/imaging/otsu.h — background removal: Otsu's threshold on the full 16-bit histogram and the
// breast mask it gives.
//
// Otsu (1979) picks the threshold t that maximises the between-class variance
// w0(t) w1(t) (mu0(t) - mu1(t))^2 of the two classes {v <= t} and {v > t}. On a mammogram the two
// modes are air (dark) and tissue; the breast is {v > t}. All 65 536 levels are used, so
// 12-, 14- and 16-bit data need no rescaling first.
#pragma once
#include <cstdint>
#include <vector>

#include "apps/io/gray_image.h"

namespace mcseg {

// Threshold t; the foreground is {v > t}. A constant image gives its value (empty foreground).
int otsu_threshold(const uint16_t* pixels, size_t n);
// 1 where the pixel is above the Otsu threshold (breast), 0 for background.
std::vector<uint8_t> breast_mask(const GrayImage& img);

}  // namespace mcseg
