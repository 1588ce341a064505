// apps/imaging/breast_region.cpp — see breast_region.h.
#include "apps/imaging/breast_region.h"

#include <algorithm>

#include "apps/imaging/distance_transform.h"
#include "apps/imaging/otsu.h"
#include "engine/error.h"

namespace mcseg {
namespace {

// The air rule of the header, on Otsu's split at t.
bool darker_class_is_air(const GrayImage& img, int t) {
    const int w = img.width, h = img.height;
    double dark = 0, bright = 0;
    int64_t n_dark = 0, n_bright = 0;
    uint16_t lo = 65535;
    for (uint16_t v : img.pixels) {
        lo = std::min(lo, v);
        if (v <= t) {
            dark += v;
            ++n_dark;
        } else {
            bright += v;
            ++n_bright;
        }
    }
    if (!n_dark || !n_bright) return false;
    const double mean_dark = dark / n_dark, mean_bright = bright / n_bright;
    if (mean_dark - lo > 0.2 * (mean_bright - lo)) return false;
    for (int x = 0; x < w; ++x)
        if (img.at(x, 0) <= t || img.at(x, h - 1) <= t) return true;
    for (int y = 0; y < h; ++y)
        if (img.at(0, y) <= t || img.at(w - 1, y) <= t) return true;
    return false;
}

}  // namespace

BreastRegion find_breast(const GrayImage& img, double margin_px) {
    if (img.width <= 0 || img.height <= 0 || img.pixels.size() != size_t(img.width) * img.height)
        fail("empty image (", img.width, "x", img.height, ")");
    BreastRegion r;
    r.threshold = otsu_threshold(img.pixels.data(), img.pixels.size());
    r.has_air = darker_class_is_air(img, r.threshold);
    r.breast.assign(img.pixels.size(), 1);
    if (r.has_air)
        for (size_t i = 0; i < r.breast.size(); ++i) r.breast[i] = img.pixels[i] > r.threshold;
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
