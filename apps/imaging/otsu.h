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
//
// An image may hold no air at all: a crop of tissue, a region of interest. Otsu would still split
// it in two and throw the darker (fattier) half away as "background". So the dark class counts as
// air only when it looks like air: tight and at the bottom of the range. With m0, s0 the mean and
// standard deviation of the dark class, m1 the mean of the bright one and `min` the darkest value:
//   air  <=>  (m1 - m0) / s0 >= 3.5   and   (m0 - min) / (m1 - m0) <= 0.5
// Measured: on 52 synthetic mammograms (digital and film) the first is 4.2-12.4 and the second
// 0.05-0.27; on 256x256 all-tissue crops of them 2.0-3.5 and 0.45-2.3; on a Gaussian-like tissue
// histogram Otsu splits at the mean, which gives 2.7 and about 1.7. Without air the whole image
// is breast.
#pragma once
#include <cstdint>
#include <vector>

#include "apps/io/gray_image.h"

namespace mcseg {

// Threshold t; the foreground is {v > t}. A constant image gives its value (empty foreground).
int otsu_threshold(const uint16_t* pixels, size_t n);
// Whether the dark class of the Otsu split at t is air (the rule above).
bool dark_class_is_air(const uint16_t* pixels, size_t n, int t);
// 1 where the pixel is breast: above the Otsu threshold when the image holds air, everywhere when
// it does not (or when whole_image is set: the caller knows it is a crop of tissue); nowhere in
// a uniform image.
std::vector<uint8_t> breast_mask(const GrayImage& img, bool whole_image = false);

}  // namespace mcseg
