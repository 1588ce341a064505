// tests/test_data_otsu.cpp — Otsu's threshold and the breast statistics.
#include <doctest/doctest.h>

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
