// apps/imaging/breast_region.h — where the tissue statistics may be measured: the breast (Otsu,
// otsu.h) when the image has air around it, the whole image when it is all tissue (a region of
// interest cut from inside a breast), and the breast's interior away from its edge.
//
// The breast is breast_mask's (otsu.h): Otsu's foreground when the image holds air, every pixel
// when it does not (a region of interest cut from inside a breast).
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
    bool has_air = false;            // breast_mask found a background
    std::vector<uint8_t> breast;     // 1 = breast
    std::vector<uint8_t> interior;   // 1 = breast, at least margin_px from non-breast
    int64_t breast_px = 0, interior_px = 0;
};

// Throws an Error for an empty image.
BreastRegion find_breast(const GrayImage& img, double margin_px);

}  // namespace mcseg
