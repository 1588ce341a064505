// apps/imaging/breast_region.cpp — see breast_region.h.
#include "apps/imaging/breast_region.h"

#include <algorithm>

#include "apps/imaging/distance_transform.h"
#include "apps/imaging/otsu.h"
#include "engine/error.h"

namespace mcseg {
BreastRegion find_breast(const GrayImage& img, double margin_px) {
    if (img.width <= 0 || img.height <= 0 || img.pixels.size() != size_t(img.width) * img.height)
        fail("empty image (", img.width, "x", img.height, ")");
    BreastRegion r;
    r.breast = breast_mask(img);
    r.has_air = std::find(r.breast.begin(), r.breast.end(), uint8_t(0)) != r.breast.end();
    r.interior = r.breast;
    if (r.has_air && margin_px > 0) {
        std::vector<uint8_t> air(r.breast.size());
        for (size_t i = 0; i < air.size(); ++i) air[i] = !r.breast[i];
        const std::vector<float> d2 = squared_distance_transform(air, img.width, img.height);
        for (size_t i = 0; i < d2.size(); ++i) r.interior[i] = r.breast[i] && d2[i] >= margin_px * margin_px;
    }
    r.breast_px = std::count(r.breast.begin(), r.breast.end(), 1);
    r.interior_px = std::count(r.interior.begin(), r.interior.end(), 1);
    return r;
}

}  // namespace mcseg
