// tests/test_segment_dog.cpp — the classical DoG baseline finds bright spots on noise.
#include <doctest/doctest.h>

#include <cmath>

#include "apps/imaging/blur.h"
#include "apps/segment/dog_baseline.h"
#include "apps/imaging/labeling.h"
#include "engine/philox.h"

using namespace mcseg;

TEST_CASE("segment: gaussian blur keeps the mean and spreads an impulse symmetrically") {
    const int w = 21, h = 21;
    std::vector<float> img(w * h, 0.0f);
    img[10 * w + 10] = 1.0f;
    std::vector<float> b = img;
    gaussian_blur(b, w, h, 1.5);
    double sum = 0;
    for (float v : b) sum += v;
    CHECK(sum == doctest::Approx(1.0).epsilon(1e-5));
    CHECK(b[10 * w + 9] == doctest::Approx(b[10 * w + 11]));
    CHECK(b[9 * w + 10] == doctest::Approx(b[10 * w + 11]));
    CHECK(b[10 * w + 10] > b[10 * w + 11]);
}

TEST_CASE("segment: classic detector finds spots and ignores the noise") {
    GrayImage img;
    img.width = 256;
    img.height = 256;
    img.pixels.resize(256 * 256);
    for (int i = 0; i < 256 * 256; ++i)  // smooth ramp + noise of sd ~ 29 grey levels
        img.pixels[i] = uint16_t(20000 + (i % 256) * 10 + 100 * philox_uniform_at(7, 0, i));
    const int spots[3][2] = {{60, 60}, {150, 90}, {200, 200}};
    for (auto& s : spots)
        for (int dy = -2; dy <= 2; ++dy)
            for (int dx = -2; dx <= 2; ++dx)
                if (dx * dx + dy * dy <= 5) img.pixels[(s[1] + dy) * 256 + s[0] + dx] += 600;
    std::vector<uint8_t> breast(img.pixels.size(), 1);
    auto score = dog_score(img, breast);
    auto mask = dog_mask(score, 256, 256);
    Labeling l = label_components(mask, 256, 256);
    CHECK(l.components.size() == 3);
    for (auto& s : spots) CHECK(mask[s[1] * 256 + s[0]] == 1);
    // Outside the breast the score is zero.
    std::vector<uint8_t> half(img.pixels.size(), 0);
    for (int i = 0; i < 256 * 128; ++i) half[i] = 1;
    auto s2 = dog_score(img, half);
    CHECK(s2[200 * 256 + 200] == 0.0f);
}
