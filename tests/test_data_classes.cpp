// tests/test_data_classes.cpp — the distance transform, the C1..C4 patch class map, and the
// geometry of an evaluated patch (eval --patches).
#include <doctest/doctest.h>

#include <cmath>

#include "apps/imaging/distance_transform.h"
#include "apps/evaluation/patch_outcomes.h"
#include "apps/dataset/patch_classes.h"
#include "engine/error.h"
#include "engine/philox.h"
#include "tests/test_data_fixture.h"

using namespace mcseg;

TEST_CASE("data: exact Euclidean distance transform matches brute force") {
    const int w = 41, h = 29;
    std::vector<uint8_t> f(w * h, 0);
    for (int i = 0; i < w * h; ++i) f[i] = philox_uniform_at(9, 0, i) < 0.01f;
    f[5 * w + 3] = 1;
    auto d = squared_distance_transform(f, w, h);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            float best = kNoFeature;
            for (int q = 0; q < w * h; ++q)
                if (f[q]) best = std::min(best, float((q % w - x) * (q % w - x) + (q / w - y) * (q / w - y)));
            REQUIRE(d[y * w + x] == best);
        }
    std::vector<uint8_t> none(w * h, 0);
    auto e = squared_distance_transform(none, w, h);
    CHECK(e[0] == kNoFeature);
}

TEST_CASE("data: class map on hand-drawn masks, including the C2 distance boundary") {
    const int w = 30, h = 30, n = 7;  // r = 3
    std::vector<uint8_t> mc(w * h, 0);
    mc[10 * w + 10] = 1;  // one MC pixel at (10, 10)
    auto cls = patch_class_map(mc, w, h, n);
    auto at = [&](int x, int y) { return int(cls[y * w + x]); };
    CHECK(at(10, 10) == kC1);
    CHECK(at(11, 10) == kC2);   // distance 1
    CHECK(at(13, 10) == kC2);   // distance 3: the boundary, still C2
    CHECK(at(12, 12) == kC2);   // sqrt(8) = 2.83
    CHECK(at(13, 11) == kC3);   // sqrt(10) = 3.16: in the patch but farther than 3
    CHECK(at(13, 13) == kC3);   // the MC sits in the patch's corner
    CHECK(at(14, 10) == kC4);   // 4 px away: outside the 7x7 patch
    CHECK(at(14, 14) == kC4);
    CHECK(at(2, 10) == kNoClass);   // patch would leave the image
    CHECK(at(26, 26) == kC4);
    CHECK(at(27, 26) == kNoClass);

    // A blob: its inside pixels are C1 whatever N is; a breast mask removes C4 outside it.
    std::vector<uint8_t> blob(w * h, 0), breast(w * h, 0);
    for (int y = 14; y <= 16; ++y)
        for (int x = 14; x <= 17; ++x) blob[y * w + x] = 1;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < 20; ++x) breast[y * w + x] = 1;
    auto c2 = patch_class_map(blob, w, h, 5, &breast);
    CHECK(int(c2[15 * w + 15]) == kC1);
    CHECK(int(c2[15 * w + 20]) == kC2);  // 3 px right of the blob's edge, outside the breast: still C2
    CHECK(int(c2[15 * w + 21]) == kNoClass);  // would be C4 but is not in the breast (and has no MC)
    CHECK(int(c2[5 * w + 5]) == kC4);
    // Counting: every centre is exactly one class.
    int counts[5] = {};
    for (uint8_t c : c2) counts[c]++;
    CHECK(counts[1] == 12);

    CHECK_THROWS_AS(patch_class_map(mc, w, h, 8), Error);   // even N
    CHECK_THROWS_AS(patch_class_map(mc, w, h, 31), Error);  // larger than the image
}

TEST_CASE("data: eval's patch geometry agrees with the class map and the ring table counts errors") {
    const auto dir = test::make_fixture("geometry", 4);
    const int n = 15, r = n / 2;
    std::vector<PatchOutcome> outcomes;
    std::vector<uint8_t> classes;
    for (int k = 1; k < 4; ++k) {
        const std::string mask_path = (dir / ("img_" + std::to_string(k) + "_mask.png")).string();
        const std::vector<uint8_t> mask = read_mask_png(mask_path, test::kFixW, test::kFixH);
        const std::vector<uint8_t> cls = patch_class_map(mask, test::kFixW, test::kFixH, n);
        for (int y = r; y < test::kFixH - r; y += 2)
            for (int x = r; x < test::kFixW - r; x += 2) {
                outcomes.push_back({"img", mask_path, x, y, cls[y * test::kFixW + x], 0.9f, true});
                classes.push_back(cls[y * test::kFixW + x]);
            }
    }
    const std::vector<PatchGeometry> g = patch_geometry(outcomes, n);
    REQUIRE(g.size() == outcomes.size());
    PerClass<int> seen{};
    for (size_t i = 0; i < g.size(); ++i) {
        ++seen[classes[i]];
        if (classes[i] == kC1) CHECK(g[i].nearest_mc == 0);
        if (classes[i] == kC2) CHECK((g[i].nearest_mc >= 1 && g[i].nearest_mc <= 3));
        if (classes[i] == kC3) CHECK((g[i].nearest_mc >= 3 && g[i].nearest_mc <= r));  // Euclidean > 3
        if (classes[i] == kC4) CHECK((g[i].nearest_mc == -1 && g[i].mc_pixels == 0));
        if (g[i].nearest_mc >= 0) CHECK(g[i].mc_pixels > 0);
    }
    CHECK(seen[kC1] > 0);
    CHECK(seen[kC3] > 0);
    // Every patch right: 0.00 % in every band; bands 4..r/2 and r/2+1..r-4 are empty for N = 15.
    const std::string md = error_by_ring_markdown(outcomes, g, n);
    CHECK(md.rfind("| nearest MC in ring | 1–3 | 4 | 5 | 6 | 7 |\n", 0) == 0);
    CHECK(md.find("| C3 error % (patches) | 0.00 (") != std::string::npos);
    for (auto& o : outcomes) o.correct = false;
    CHECK(error_by_ring_markdown(outcomes, g, n).find(" 100.00 (") != std::string::npos);
    CHECK(test::error_of([&] {
              std::vector<PatchOutcome> bad{{"img", outcomes[0].mask_path, 1, 1, kC4, 0.f, true}};
              patch_geometry(bad, n);
          }).find("outside its 200x160 mask") != std::string::npos);
    std::filesystem::remove_all(dir);
}
