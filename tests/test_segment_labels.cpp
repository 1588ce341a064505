// tests/test_segment_labels.cpp — MC labelling (8-connectivity) and the cluster rule on hand-made
// masks, including the rule's boundary (5 vs 6 MCs in 1 cm²) and a change of pixel spacing.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <vector>

#include "apps/segment/clusters.h"
#include "apps/imaging/labeling.h"
#include "engine/error.h"

using namespace mcseg;

TEST_CASE("segment: labelling joins diagonal neighbours and measures each MC") {
    // 6x5 mask: a diagonal pair (one MC under 8-connectivity), a 2x2 block, a lone pixel.
    const int w = 6, h = 5;
    std::vector<uint8_t> m = {
        1, 0, 0, 0, 0, 0,
        0, 1, 0, 0, 1, 1,
        0, 0, 0, 0, 1, 1,
        0, 0, 0, 0, 0, 0,
        0, 0, 9, 0, 0, 0,
    };
    std::vector<uint16_t> img(w * h, 100);
    img[1 * w + 4] = 500;
    Labeling l = label_components(m, w, h, &img);
    REQUIRE(l.components.size() == 3);
    CHECK(l.components[0].area_px == 2);
    CHECK(l.components[0].cx == doctest::Approx(0.5));
    CHECK(l.components[1].area_px == 4);
    CHECK(l.components[1].x0 == 4);
    CHECK(l.components[1].y1 == 2);
    CHECK(l.components[1].peak_intensity == 500);
    CHECK(l.components[1].mean_intensity == doctest::Approx(200));
    CHECK(l.components[2].area_px == 1);  // any non-zero value is foreground
    CHECK(l.labels[4 * w + 2] == 3);
    CHECK(l.labels[0] == l.labels[1 * w + 1]);
    CHECK_THROWS_AS(label_components(m, 5, 5), Error);
}

static std::vector<Point2> grid(int count, double x0, double y0, double step) {
    std::vector<Point2> p;
    for (int i = 0; i < count; ++i) p.push_back({x0 + (i % 3) * step, y0 + (i / 3) * step});
    return p;
}

TEST_CASE("segment: cluster rule boundary, 5 MCs are not a cluster, 6 are") {
    // At 0.05 mm a 1 cm window is 200 px; these MCs sit within 100 px of each other.
    CHECK(find_clusters(grid(5, 1000, 1000, 50), 0.05).empty());
    auto six = find_clusters(grid(6, 1000, 1000, 50), 0.05);
    REQUIRE(six.size() == 1);
    CHECK(six[0].members.size() == 6);
    CHECK(six[0].x0 == 1000);
    CHECK(six[0].x1 == 1100);
    // Six MCs spread over 2 cm: no 1 cm window holds 6 of them.
    CHECK(find_clusters(grid(6, 1000, 1000, 150), 0.05).empty());
}

TEST_CASE("segment: cluster rule follows the pixel spacing") {
    auto pts = grid(6, 500, 500, 80);  // spans 160 x 80 px
    CHECK(find_clusters(pts, 0.05).size() == 1);  // 8 mm x 4 mm: inside 1 cm
    CHECK(find_clusters(pts, 0.1).empty());       // 16 mm x 8 mm: too wide
    CHECK_THROWS_AS(find_clusters(pts, 0.0), Error);
}

TEST_CASE("segment: clusters sharing MCs merge, distant groups stay apart, isolated MCs excluded") {
    auto a = grid(6, 1000, 1000, 40);
    auto b = grid(6, 3000, 3000, 40);
    std::vector<Point2> pts = a;
    pts.insert(pts.end(), b.begin(), b.end());
    pts.push_back({2000, 2000});  // isolated
    auto c = find_clusters(pts, 0.05);
    REQUIRE(c.size() == 2);
    CHECK(c[0].members.size() == 6);
    CHECK(c[1].members.size() == 6);
    // A chain: two dense windows overlapping in MCs form one cluster.
    std::vector<Point2> chain;
    for (int i = 0; i < 12; ++i) chain.push_back({1000.0 + i * 30, 1000});
    auto cc = find_clusters(chain, 0.05);
    REQUIRE(cc.size() == 1);
    CHECK(cc[0].members.size() == 12);
}

// The rule by brute force: every window whose left edge is some MC's x and top edge some MC's y,
// O(M³); its clusters as sorted member lists.
static std::vector<std::vector<int>> brute_clusters(const std::vector<Point2>& pts, double side) {
    const int m = int(pts.size());
    std::vector<int> root(m);
    for (int i = 0; i < m; ++i) root[i] = i;
    auto find = [&](int a) { while (root[a] != a) a = root[a]; return a; };
    std::vector<bool> clustered(m, false);
    for (const Point2& l : pts)
        for (const Point2& t : pts) {
            std::vector<int> in;
            for (int i = 0; i < m; ++i)
                if (pts[i].x >= l.x && pts[i].x - l.x < side && pts[i].y >= t.y && pts[i].y - t.y < side) in.push_back(i);
            if (in.size() < 6) continue;
            for (int i : in) {
                clustered[i] = true;
                root[find(i)] = find(in[0]);
            }
        }
    std::map<int, std::vector<int>> by_root;
    for (int i = 0; i < m; ++i)
        if (clustered[i]) by_root[find(i)].push_back(i);
    std::vector<std::vector<int>> out;
    for (auto& [r, members] : by_root) out.push_back(members);
    std::sort(out.begin(), out.end());
    return out;
}

TEST_CASE("segment: the cluster sweep agrees with brute force on random MCs (ties in x and y included)") {
    uint64_t state = 12345;
    auto next = [&](int range) {  // a small LCG: integer coordinates make ties common
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return int((state >> 33) % uint64_t(range));
    };
    for (int trial = 0; trial < 20; ++trial) {
        std::vector<Point2> pts;
        const int m = 20 + next(120), range = 300 + next(900);
        for (int i = 0; i < m; ++i) pts.push_back({double(next(range) / 10 * 10), double(next(range) / 10 * 10)});
        std::vector<std::vector<int>> fast;
        for (const Cluster& c : find_clusters(pts, 0.05)) fast.push_back(c.members);
        std::sort(fast.begin(), fast.end());
        CHECK(fast == brute_clusters(pts, 200));
    }
}
