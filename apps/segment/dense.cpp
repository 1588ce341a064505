// apps/segment/dense.cpp — see dense.h for the index mapping and the tiles.
#include "apps/segment/dense.h"

#include <algorithm>
#include <array>
#include <map>

#include "engine/error.h"

namespace mcseg {

namespace {

constexpr int kStride = 4;     // of the trunk's output grid (two 2×2 pools)
constexpr int kSameHalo = 20;  // pixels of context around a same net's tile (see the header)

int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// The positions that share one trunk run: the same offset mod 4 and the same block.
struct Group {
    std::vector<int64_t> members;  // indices into the positions
    int gx0 = 0, gy0 = 0, gx1 = 0, gy1 = 0;  // bounding box of their grid cells (x0 = 4 gx + offset)
};

// Appends the s×s window with corner (i, j) of a trunk output f [c, th, tw] to out, in
// flatten order c·s·s + y·s + x.
void gather_window(const std::vector<float>& f, int c, int th, int tw, int s, int i, int j, std::vector<float>& out) {
    for (int ch = 0; ch < c; ++ch)
        for (int y = 0; y < s; ++y) {
            const float* row = &f[(size_t(ch) * th + i + y) * tw + j];
            out.insert(out.end(), row, row + s);
        }
}

}  // namespace

std::vector<float> dense_probabilities(Network& net, const NormalisedImage& img, const TopLefts& at, int tile,
                                       int batch, double* gflop, const StageProgress& progress) {
    const NetConfig& cfg = net.config();
    const int n = cfg.patch, s = cfg.final_side(), halo = cfg.same ? kSameHalo : 0;
    const int cells = std::max(1, tile / kStride);  // grid cells per block side

    // Group by (block row, block column, y offset, x offset); the map keeps a fixed order.
    std::map<std::array<int, 4>, Group> groups;
    for (int64_t k = 0; k < int64_t(at.size()); ++k) {
        const auto [x0, y0] = at[k];
        const int gx = floor_div(x0, kStride), gy = floor_div(y0, kStride);
        Group& g = groups[{floor_div(gy, cells), floor_div(gx, cells), y0 - kStride * gy, x0 - kStride * gx}];
        if (g.members.empty()) g.gx0 = g.gx1 = gx, g.gy0 = g.gy1 = gy;
        g.gx0 = std::min(g.gx0, gx), g.gx1 = std::max(g.gx1, gx);
        g.gy0 = std::min(g.gy0, gy), g.gy1 = std::max(g.gy1, gy);
        g.members.push_back(k);
    }

    // Gathered windows wait in `rows` until `batch` of them fill one head call (one shape for all
    // calls but the last; tile spans are likewise rounded up to 16 cells, see the header).
    std::vector<float> p(at.size()), rows;
    std::vector<int64_t> owners;  // the position of each row
    double flops = 0;
    int64_t done = 0;
    const int width = cfg.filters * s * s;
    NoGradGuard no_grad;
    auto run_head = [&] {
        if (owners.empty()) return;
        const Tensor flat = Tensor::from_host({int(owners.size()), width}, rows, net.device());
        const std::vector<float> q = positive_probability(net.head(flat, false));
        for (size_t k = 0; k < owners.size(); ++k) p[owners[k]] = q[k];
        flops += double(owners.size()) * cfg.head_flops();
        done += int64_t(owners.size());
        progress(done, int64_t(at.size()));
        rows.clear();
        owners.clear();
    };
    const int round = std::min(cells, 16);
    auto span = [&](int first, int last) { return (last - first + round) / round * round; };  // cells
    for (const auto& [key, g] : groups) {
        const int oy = key[2], ox = key[3];
        // The tile: every patch of the group plus the halo; its cell (i, j) is the patch with
        // top-left (X + 4j, Y + 4i).
        const int X = kStride * g.gx0 + ox - halo, Y = kStride * g.gy0 + oy - halo;
        const int W = kStride * (span(g.gx0, g.gx1) - 1) + n + 2 * halo;
        const int H = kStride * (span(g.gy0, g.gy1) - 1) + n + 2 * halo;
        std::vector<float> in(size_t(W) * H);
        img.copy(X, Y, W, H, in.data());
        Tensor t = net.trunk(Tensor::from_host({1, 1, H, W}, in, net.device()), false);
        const std::vector<float> f = t.to_host();
        const int th = t.dim(2), tw = t.dim(3);
        flops += cfg.trunk_flops(H, W);
        for (int64_t k : g.members) {
            const int i = (at[k].second - Y) / kStride, j = (at[k].first - X) / kStride;
            if (i + s > th || j + s > tw)
                fail("dense: internal error, window (", i, ", ", j, ") outside the trunk output ", th, "x", tw);
            gather_window(f, cfg.filters, th, tw, s, i, j, rows);
            owners.push_back(k);
            if (int(owners.size()) == batch) run_head();
        }
    }
    run_head();
    *gflop = flops / 1e9;
    return p;
}

}  // namespace mcseg
