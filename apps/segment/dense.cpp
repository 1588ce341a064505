// apps/segment/dense.cpp — see dense.h for the index mapping and the tiles.
#include "apps/segment/dense.h"

#include <algorithm>
#include <array>
#include <map>

#include "engine/error.h"
#include "engine/ops.h"

namespace mcseg {

namespace {

constexpr int kStride = 4;     // of the trunk's output grid (two 2×2 pools)
constexpr int kSameHalo = 20;  // pixels of context around a same net's tile (see the header)

int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// The positions that share one trunk run: the same block of top-lefts, any offset mod 4.
struct Group {
    std::vector<int64_t> members;  // indices into the positions
    int gx0 = 0, gy0 = 0, gx1 = 0, gy1 = 0;  // bounding box of their grid cells (x0 = 4 gx + offset)
};

// Host buffers reused from tile to tile (phases on a device other than the CPU): no allocation
// and no page faults in steady state.
struct Scratch {
    std::vector<float> in, out;
};

// One phase per entry of `take` = (image, a, b): image's x[c, a:, b:] cut to the even size
// 2⌊(h−1)/2⌋ × 2⌊(w−1)/2⌋ that every phase shares, as a batch [take.size(), c, ., .]. A 2×2
// max-pool of phase (a, b) is the stride-1 max-pool of x sampled at rows a, a+2, … and columns
// b, b+2, …: the pool the patches with an offset of that parity see.
Tensor phases(const Tensor& x, const std::vector<std::array<int, 3>>& take, Scratch& sc) {
    const int c = x.dim(1), h = x.dim(2), w = x.dim(3), hh = 2 * ((h - 1) / 2), ww = 2 * ((w - 1) / 2);
    const bool cpu = x.device() == Device::CPU;  // elsewhere, through host buffers
    if (!cpu) x.to_host(sc.in);
    Tensor out = Tensor::empty({int(take.size()), c, hh, ww}, x.device());
    if (!cpu) sc.out.resize(out.numel());
    const float* in = cpu ? x.data() : sc.in.data();
    float* o = cpu ? out.data() : sc.out.data();
    const long planes = long(take.size()) * c;
#pragma omp parallel for schedule(static)
    for (long pc = 0; pc < planes; ++pc) {  // plane pc: channel pc % c of phase pc / c
        const auto& [image, a, b] = take[pc / c];
        const float* src = in + ((long(image) * c + pc % c) * h + a) * w + b;
        float* dst = o + pc * hh * ww;
        for (int y = 0; y < hh; ++y, src += w, dst += ww) std::copy(src, src + ww, dst);
    }
    if (!cpu) out.backend().copy_from_host(out.data(), sc.out.data(), sc.out.size() * sizeof(float));
    return out;
}

// The trunk of one tile for every offset (oy, ox) mod 4 that `need` names (index 4·oy + ox),
// "à trous": conv1 runs once at full resolution; each max-pool keeps, per offset, the phase of
// its parity (offset bit 0 at the first pool, bit 1 at the second), so conv2 runs on at most 4
// phases and conv3..6 on at most 16, each conv once per output position it feeds — instead of
// the whole trunk once per offset (16 conv1 and 4× the conv2 work for the Segmentator). The
// result's image index[4·oy + ox] is the trunk output of the tile shifted by (ox, oy).
// Batch norms are folded into the convs. *flops accumulates the conv FLOPs done.
struct PhaseTrunk {
    Tensor out;                 // [phases, filters, th, tw]
    std::array<int, 16> index;  // image of each offset in out (-1: not needed)
};

PhaseTrunk phase_trunk(const std::vector<std::pair<Tensor, Tensor>>& convs, int pad, const Tensor& tile,
                       const std::array<bool, 16>& need, Scratch& sc, double* flops) {
    PhaseTrunk r;
    r.index.fill(-1);
    for (int o = 0; o < 16; ++o)
        if (need[o]) r.index[o] = 0;  // every offset starts on the one full-resolution image
    Tensor h = tile;
    for (int k = 0, level = 0; k < NetConfig::kConvLayers; ++k) {
        const int c_in = h.dim(1);
        h = ops::conv3x3_relu(h, convs[k].first, convs[k].second, pad);
        *flops += 18.0 * c_in * double(h.numel());
        if (!NetConfig::pooled_after(k)) continue;
        std::vector<std::array<int, 3>> take;  // (image, a, b) of each phase kept
        for (int o = 0; o < 16; ++o) {
            if (r.index[o] < 0) continue;
            const std::array<int, 3> phase{r.index[o], (o / 4 >> level) & 1, (o % 4 >> level) & 1};
            auto it = std::find(take.begin(), take.end(), phase);
            r.index[o] = int(it - take.begin());
            if (it == take.end()) take.push_back(phase);
        }
        // One image's phase (0, 0) alone (the Detector's windows) is the plain pool: no copy.
        const bool plain = take.size() == 1 && take[0] == std::array<int, 3>{0, 0, 0};
        h = ops::maxpool2x2(plain ? h : phases(h, take, sc));
        ++level;
    }
    r.out = h;
    return r;
}

// Appends the s×s window with corner (i, j) of image `image` of a trunk output f [m, c, th, tw]
// to out, in flatten order c·s·s + y·s + x.
void gather_window(const std::vector<float>& f, int image, int c, int th, int tw, int s, int i, int j,
                   std::vector<float>& out) {
    for (int ch = 0; ch < c; ++ch)
        for (int y = 0; y < s; ++y) {
            const float* row = &f[((size_t(image) * c + ch) * th + i + y) * tw + j];
            out.insert(out.end(), row, row + s);
        }
}

}  // namespace

std::vector<float> dense_probabilities(Network& net, const NormalisedImage& img, const TopLefts& at, int tile,
                                       int batch, double* gflop, const StageProgress& progress) {
    const NetConfig& cfg = net.config();
    const int n = cfg.patch, s = cfg.final_side(), halo = cfg.same ? kSameHalo : 0, pad = cfg.same ? 1 : 0;
    const int cells = std::max(1, tile / kStride);  // grid cells per block side

    // Group by (block row, block column); the map keeps a fixed order.
    std::map<std::array<int, 2>, Group> groups;
    for (int64_t k = 0; k < int64_t(at.size()); ++k) {
        const auto [x0, y0] = at[k];
        const int gx = floor_div(x0, kStride), gy = floor_div(y0, kStride);
        Group& g = groups[{floor_div(gy, cells), floor_div(gx, cells)}];
        if (g.members.empty()) g.gx0 = g.gx1 = gx, g.gy0 = g.gy1 = gy;
        g.gx0 = std::min(g.gx0, gx), g.gx1 = std::max(g.gx1, gx);
        g.gy0 = std::min(g.gy0, gy), g.gy1 = std::max(g.gy1, gy);
        g.members.push_back(k);
    }

    // Gathered windows wait in `rows` until `batch` of them fill one head call (one shape for all
    // calls but the last; tile spans are likewise rounded up to 16 cells, see the header).
    std::vector<float> p(at.size()), rows, tile_in, f;  // f: a tile's trunk output on the host
    Scratch scratch;
    std::vector<int64_t> owners;  // the position of each row
    double flops = 0;
    int64_t done = 0;
    const int width = cfg.filters * s * s;
    NoGradGuard no_grad;
    std::vector<std::pair<Tensor, Tensor>> convs;
    for (int k = 0; k < NetConfig::kConvLayers; ++k) convs.push_back(net.folded_conv(k));
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
    auto offset = [](int v) { return v - kStride * floor_div(v, kStride); };                 // v mod 4
    for (const auto& [key, g] : groups) {
        // The tile: every patch of the group at every offset (3 pixels more than one offset
        // needs) plus the halo; cell (i, j) of offset (oy, ox) is the patch with top-left
        // (X + ox + 4j, Y + oy + 4i).
        const int X = kStride * g.gx0 - halo, Y = kStride * g.gy0 - halo;
        const int W = kStride * (span(g.gx0, g.gx1) - 1) + n + kStride - 1 + 2 * halo;
        const int H = kStride * (span(g.gy0, g.gy1) - 1) + n + kStride - 1 + 2 * halo;
        std::array<bool, 16> need{};
        for (int64_t k : g.members) need[offset(at[k].second) * 4 + offset(at[k].first)] = true;
        tile_in.resize(size_t(W) * H);
        img.copy(X, Y, W, H, tile_in.data());
        const PhaseTrunk t =
            phase_trunk(convs, pad, Tensor::from_host({1, 1, H, W}, tile_in, net.device()), need, scratch, &flops);
        t.out.to_host(f);
        const int th = t.out.dim(2), tw = t.out.dim(3);
        for (int64_t k : g.members) {
            const int oy = offset(at[k].second), ox = offset(at[k].first);
            const int i = (at[k].second - oy - Y) / kStride, j = (at[k].first - ox - X) / kStride;
            if (i + s > th || j + s > tw)
                fail("dense: internal error, window (", i, ", ", j, ") outside the trunk output ", th, "x", tw);
            gather_window(f, t.index[oy * 4 + ox], cfg.filters, th, tw, s, i, j, rows);
            owners.push_back(k);
            if (int(owners.size()) == batch) run_head();
        }
    }
    run_head();
    *gflop = flops / 1e9;
    return p;
}

}  // namespace mcseg
