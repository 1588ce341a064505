// tests/test_imaging_normalise.cpp — the networks' pixel normalisation (apps/imaging/normalise.h):
// a crop of tissue on its own and the same tissue inside its whole breast must look the same to
// the networks ("local-noise"), which the per-image breast statistics ("breast-z") do not give.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "apps/imaging/normalise.h"
#include "apps/imaging/otsu.h"
#include "apps/synth/synth.h"

using namespace mcseg;

namespace {

GrayImage crop(const GrayImage& img, int x0, int y0, int side) {
    GrayImage c;
    c.width = c.height = side;
    c.pixel_spacing_mm = img.pixel_spacing_mm;
    for (int y = y0; y < y0 + side; ++y)
        for (int x = x0; x < x0 + side; ++x) c.pixels.push_back(img.at(x, y));
    return c;
}

// RMS of (what the crop gives) - (what the whole image gives) over the crop's interior (margin px
// from its border), and the RMS of the whole image's values there, as seen through `mode`.
std::pair<double, double> mismatch(const GrayImage& whole, const GrayImage& part, int x0, int y0, int margin,
                                   InputNorm mode) {
    const NetworkInput a = network_input(whole, breast_mask(whole), whole.pixel_spacing_mm, mode);
    const NetworkInput b = network_input(part, breast_mask(part), part.pixel_spacing_mm, mode);
    double diff = 0, level = 0, n = 0;
    for (int y = margin; y < part.height - margin; ++y)
        for (int x = margin; x < part.width - margin; ++x) {
            const double va = a.norm.apply(a.samples[size_t(y0 + y) * whole.width + x0 + x]);
            const double vb = b.norm.apply(b.samples[size_t(y) * part.width + x]);
            diff += (vb - va) * (vb - va);
            level += va * va;
            n += 1;
        }
    return {std::sqrt(diff / n), std::sqrt(level / n)};
}

}  // namespace

TEST_CASE("normalise: a crop of tissue and the same tissue in its breast look alike in local-noise units") {
    SynthConfig cfg;
    cfg.width = 1024;
    cfg.height = 1280;
    const GrayImage whole = gray_image(synthesize(cfg, 2, 3));
    const int side = 512, x0 = 400, y0 = 380;  // inside the breast of this image (chest wall on the left)
    const GrayImage part = crop(whole, x0, y0, side);
    const std::vector<uint8_t> part_breast = breast_mask(part);
    REQUIRE(std::count(part_breast.begin(), part_breast.end(), 1) == side * side);  // no air
    const int margin = int(3 * kBackgroundMm / cfg.spacing_mm);  // 3 sigma of the background average
    const auto [local_diff, local_level] = mismatch(whole, part, x0, y0, margin, InputNorm::LocalNoise);
    const auto [z_diff, z_level] = mismatch(whole, part, x0, y0, margin, InputNorm::BreastZ);
    MESSAGE("local-noise: RMS difference ", local_diff, " against RMS ", local_level, "; breast-z: ", z_diff,
            " against ", z_level);
    CHECK(local_diff < 0.1 * local_level);
    CHECK(z_diff > 0.3 * z_level);  // the whole-image statistics shift and scale the crop
}
