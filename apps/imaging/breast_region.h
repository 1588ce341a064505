// apps/imaging/breast_region.h — where the tissue statistics may be measured: the breast (Otsu,
// otsu.h) when the image has air around it, the whole image when it is all tissue (a region of
// interest cut from inside a breast), and the breast's interior away from its edge.
//
// The air rule. Otsu always splits an image in two; on a mammogram the darker class is air, on an
// all-tissue image it is merely the fattier half. The darker class {v <= t} is taken as air when
// both hold: (1) its mean lies near the image minimum: mean_dark − min <= 0.2 · (mean_bright −
// min) (air is a flat, dark plateau; fat is textured and not far below dense tissue), and (2) it
// has a pixel on the image border (air surrounds the breast). Otherwise every pixel is breast.
//
// Interior: breast pixels at Euclidean distance >= margin_px from every non-breast pixel (the
// skin line and the thickness fall-off behind it are not tissue texture). With no air, every
// pixel is interior.
#pragma once
#include <cstdint>
#include <vector>

#include "apps/io/gray_image.h"

namespace mcseg {

struct BreastRegion {
    bool has_air = false;            // the air rule found a background
    int threshold = 0;               // Otsu's t (foreground {v > t}) whether or not it was used
    std::vector<uint8_t> breast;     // 1 = breast
    std::vector<uint8_t> interior;   // 1 = breast, at least margin_px from non-breast
    int64_t breast_px = 0, interior_px = 0;
};

// Throws an Error for an empty image.
BreastRegion find_breast(const GrayImage& img, double margin_px);

}  // namespace mcseg
