// tests/test_data_otsu.cpp — Otsu's threshold and the breast statistics.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "apps/imaging/normalise.h"
#include "apps/imaging/otsu.h"
#include "engine/philox.h"

using namespace mcseg;

TEST_CASE("data: Otsu threshold on a known bimodal image") {
    // Two levels: the optimal split is anywhere in [100, 200); Otsu returns the first, 100.
    std::vector<uint16_t> two(1000, 100);
    for (int i = 0; i < 300; ++i) two[i] = 200;
    CHECK(otsu_threshold(two.data(), two.size()) == 100);

    // Air ~ N(300, 40) (70 %) and tissue ~ N(9000, 900) (30 %), 16-bit values: the threshold
    // falls between the modes, more than 3 sigma from each, and the foreground is exactly the
    // tissue.
    GrayImage img;
    img.width = 200;
    img.height = 100;
    img.pixels.resize(20000);
    for (int i = 0; i < 20000; ++i) {
        float u1 = philox_uniform_at(3, 0, i) + 1e-7f, u2 = philox_uniform_at(3, 1, i);
        float z = std::sqrt(-2 * std::log(u1)) * std::cos(6.2831853f * u2);
        bool tissue = (i % 10) < 3;
        img.pixels[i] = uint16_t(tissue ? 9000 + 900 * z : 300 + 40 * z);
    }
    int t = otsu_threshold(img.pixels.data(), img.pixels.size());
    CHECK(t > 300 + 3 * 40);
    CHECK(t < 9000 - 3 * 900);
    auto m = breast_mask(img);
    for (int i = 0; i < 20000; ++i) REQUIRE(m[i] == ((i % 10) < 3));
    PixelNorm st = masked_stats(img, m);
    CHECK(st.mean == doctest::Approx(9000).epsilon(0.02));
    CHECK(st.std == doctest::Approx(900).epsilon(0.05));

    std::vector<uint16_t> flat(50, 7);
    CHECK(otsu_threshold(flat.data(), flat.size()) == 7);  // constant: empty foreground
}

namespace {

// n pixels of N(mean, sd) from Philox stream `stream`.
std::vector<uint16_t> normal_pixels(size_t n, double mean, double sd, uint64_t stream) {
    std::vector<uint16_t> px(n);
    for (size_t i = 0; i < n; ++i) {
        double u1 = philox_uniform_at(5, 2 * stream, i) + 1e-7, u2 = philox_uniform_at(5, 2 * stream + 1, i);
        px[i] = uint16_t(std::lround(mean + sd * std::sqrt(-2 * std::log(u1)) * std::cos(6.2831853 * u2)));
    }
    return px;
}

}  // namespace

TEST_CASE("data: an image with no air (a crop of tissue) is all breast, one with air is cut at Otsu") {
    GrayImage roi;
    roi.width = 128;
    roi.height = 128;
    // Tissue alone: two overlapping tissue modes (fat and gland). Otsu still splits it, but the
    // dark class is neither tight nor at the bottom of the range, so nothing is background.
    roi.pixels = normal_pixels(128 * 128, 6000, 700, 0);
    for (size_t i = 0; i < roi.pixels.size(); i += 3) roi.pixels[i] += 1500;
    const int t = otsu_threshold(roi.pixels.data(), roi.pixels.size());
    CHECK_FALSE(dark_class_is_air(roi.pixels.data(), roi.pixels.size(), t));
    auto m = breast_mask(roi);
    CHECK(std::count(m.begin(), m.end(), 1) == 128 * 128);

    // The same tissue beside a band of air: the air is background, the tissue all breast.
    GrayImage with_air = roi;
    const std::vector<uint16_t> air = normal_pixels(128 * 40, 250, 30, 1);
    for (int y = 0; y < 128; ++y)
        for (int x = 0; x < 40; ++x) with_air.pixels[y * 128 + x] = air[y * 40 + x];
    m = breast_mask(with_air);
    int air_kept = 0, tissue_lost = 0;
    for (int y = 0; y < 128; ++y)
        for (int x = 0; x < 128; ++x) (x < 40 ? air_kept : tissue_lost) += m[y * 128 + x] == (x < 40);
    CHECK(air_kept == 0);
    CHECK(tissue_lost < 20);  // Otsu may take a few of the darkest tissue pixels with the air
    // Told it is a crop, the caller gets every pixel; a uniform image has no breast at all.
    m = breast_mask(with_air, true);
    CHECK(std::count(m.begin(), m.end(), 1) == 128 * 128);
    GrayImage flat = roi;
    std::fill(flat.pixels.begin(), flat.pixels.end(), 4000);
    m = breast_mask(flat);
    CHECK(std::count(m.begin(), m.end(), 1) == 0);
}
