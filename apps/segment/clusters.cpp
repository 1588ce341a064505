// apps/segment/clusters.cpp — see clusters.h.
#include "apps/segment/clusters.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "engine/error.h"

namespace mcseg {

namespace {
struct UnionFind {
    std::vector<int> parent;
    explicit UnionFind(int n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
    int find(int a) {
        while (parent[a] != a) a = parent[a] = parent[parent[a]];
        return a;
    }
    void unite(int a, int b) { parent[find(a)] = find(b); }
};
}  // namespace

std::vector<Cluster> find_clusters(const std::vector<Point2>& pts, double spacing_mm, int min_mcs,
                                   double window_mm) {
    if (!(spacing_mm > 0) || !std::isfinite(spacing_mm))
        fail("clusters: pixel spacing must be a positive number of mm, got ", spacing_mm);
    if (min_mcs < 1) fail("clusters: min_mcs must be >= 1");
    const double side = window_mm / spacing_mm;  // window side in pixels
    const int m = int(pts.size());
    UnionFind uf(m);
    std::vector<bool> clustered(m, false);
    // Left edges in x order; the strip [x_left, x_left + side) is kept sorted by y as the left
    // edge advances (points enter on the right, leave on the left), so each strip costs O(S).
    std::vector<int> by_x(m);
    std::iota(by_x.begin(), by_x.end(), 0);
    std::sort(by_x.begin(), by_x.end(), [&](int a, int b) { return pts[a].x < pts[b].x; });
    auto y_less = [&](int a, int b) { return pts[a].y < pts[b].y || (pts[a].y == pts[b].y && a < b); };
    std::vector<int> strip;  // sorted by y
    size_t enter = 0;
    for (size_t l = 0; l < by_x.size(); ++l) {
        const double x_left = pts[by_x[l]].x;
        if (l > 0) strip.erase(std::lower_bound(strip.begin(), strip.end(), by_x[l - 1], y_less));
        // Distances, not x_left + side: that sum rounds to x_left when the window is tiny.
        for (; enter < by_x.size() && pts[by_x[enter]].x - x_left < side; ++enter)
            strip.insert(std::upper_bound(strip.begin(), strip.end(), by_x[enter], y_less), by_x[enter]);
        if (l > 0 && pts[by_x[l - 1]].x == x_left) continue;  // same strip as the previous left edge
        if (int(strip.size()) < min_mcs) continue;
        // Windows with top edge at each member's y: members [top, end) with y < y_top + side.
        // Consecutive dense windows share their overlap, already united: only members past the
        // previous dense window's end need joining.
        size_t end = 0, united_end = 0;
        for (size_t top = 0; top < strip.size(); ++top) {
            end = std::max(end, top);
            while (end < strip.size() && pts[strip[end]].y - pts[strip[top]].y < side) ++end;
            if (int(end - top) < min_mcs) continue;
            for (size_t k = std::max(top, united_end); k < end; ++k) {
                clustered[strip[k]] = true;
                uf.unite(strip[k], strip[top]);
            }
            united_end = end;
        }
    }
    std::map<int, Cluster> by_root;
    for (int i = 0; i < m; ++i)
        if (clustered[i]) by_root[uf.find(i)].members.push_back(i);
    std::vector<Cluster> out;
    for (auto& [root, c] : by_root) {
        c.x0 = c.x1 = pts[c.members[0]].x;
        c.y0 = c.y1 = pts[c.members[0]].y;
        for (int i : c.members) {
            c.x0 = std::min(c.x0, pts[i].x);
            c.x1 = std::max(c.x1, pts[i].x);
            c.y0 = std::min(c.y0, pts[i].y);
            c.y1 = std::max(c.y1, pts[i].y);
            c.cx += pts[i].x / c.members.size();
            c.cy += pts[i].y / c.members.size();
        }
        out.push_back(std::move(c));
    }
    std::sort(out.begin(), out.end(), [](const Cluster& a, const Cluster& b) { return a.members[0] < b.members[0]; });
    return out;
}

std::vector<Cluster> cluster_components(const std::vector<Component>& mcs, double spacing_mm) {
    std::vector<Point2> centroids;
    for (const auto& c : mcs) centroids.push_back({c.cx, c.cy});
    auto clusters = find_clusters(centroids, spacing_mm);
    for (auto& cl : clusters) {
        for (int i : cl.members) {
            cl.x0 = std::min(cl.x0, double(mcs[i].x0));
            cl.y0 = std::min(cl.y0, double(mcs[i].y0));
            cl.x1 = std::max(cl.x1, double(mcs[i].x1));
            cl.y1 = std::max(cl.y1, double(mcs[i].y1));
        }
    }
    return clusters;
}

}  // namespace mcseg
