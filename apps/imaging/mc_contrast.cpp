// apps/imaging/mc_contrast.cpp — see mc_contrast.h.
#include "apps/imaging/mc_contrast.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "apps/imaging/distance_transform.h"
#include "engine/error.h"

namespace mcseg {
namespace {

constexpr int kRingInner = 2, kRingOuter = 4;  // px

// Contrast and ring of one MC: an exact distance transform of the MC inside its bounding box
// grown by the ring's outer radius (clipped to the image) finds the ring. With `fill`, the pixels
// closer than the ring's inner radius get the ring's mean.
McContrast measure_one(const GrayImage& img, const Labeling& l, const Component& c, GrayImage* fill) {
    McContrast m{c.label, c.cx, c.cy, c.area_px};
    const int x0 = std::max(0, c.x0 - kRingOuter), y0 = std::max(0, c.y0 - kRingOuter);
    const int x1 = std::min(img.width - 1, c.x1 + kRingOuter), y1 = std::min(img.height - 1, c.y1 + kRingOuter);
    const int w = x1 - x0 + 1, h = y1 - y0 + 1;
    std::vector<uint8_t> self(size_t(w) * h);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) self[size_t(y) * w + x] = l.labels[size_t(y + y0) * img.width + x + x0] == c.label;
    const std::vector<float> d2 = squared_distance_transform(self, w, h);
    double in = 0, ring = 0, ring2 = 0;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const size_t i = size_t(y + y0) * img.width + x + x0;
            const double v = img.pixels[i], d = d2[size_t(y) * w + x];
            if (self[size_t(y) * w + x]) in += v;
            else if (l.labels[i] == 0 && d >= kRingInner * kRingInner && d <= kRingOuter * kRingOuter) {
                ring += v;
                ring2 += v * v;
                ++m.ring_px;
            }
        }
    if (m.ring_px == 0) {
        m.contrast = m.ring_std = std::numeric_limits<double>::quiet_NaN();
        return m;
    }
    const double ring_mean = ring / m.ring_px;
    m.contrast = in / c.area_px - ring_mean;
    m.ring_std = std::sqrt(std::max(0.0, ring2 / m.ring_px - ring_mean * ring_mean));
    for (int y = 0; fill && y < h; ++y)
        for (int x = 0; x < w; ++x)
            if (d2[size_t(y) * w + x] < kRingInner * kRingInner)
                fill->pixels[size_t(y + y0) * img.width + x + x0] = uint16_t(std::lround(ring_mean));
    return m;
}

}  // namespace

std::vector<McContrast> measure_mc_contrast(const GrayImage& img, const Labeling& mcs, double spacing_mm,
                                            GrayImage* without_mcs) {
    if (spacing_mm <= 0) fail("pixel spacing must be positive, not ", spacing_mm);
    if (mcs.width != img.width || mcs.height != img.height)
        fail("MC labels of ", mcs.width, "x", mcs.height, " do not match the ", img.width, "x", img.height, " image");
    if (without_mcs) *without_mcs = img;
    std::vector<McContrast> out;
    out.reserve(mcs.components.size());
    for (const Component& c : mcs.components) {
        McContrast m = measure_one(img, mcs, c, without_mcs);
        m.area_px_005 = double(c.area_px) * (spacing_mm / 0.05) * (spacing_mm / 0.05);
        out.push_back(m);
    }
    return out;
}

}  // namespace mcseg
