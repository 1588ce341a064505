// apps/draw/overlay.cpp — see overlay.h.
#include "apps/draw/overlay.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "apps/draw/canvas.h"
#include "apps/imaging/otsu.h"
#include "engine/error.h"

namespace mcseg {
namespace {

struct Window {
    double lo, hi;
    uint8_t map(double v) const { return uint8_t(std::clamp((v - lo) / std::max(1.0, hi - lo) * 255.0, 0.0, 255.0)); }
};

Window percentile_window(std::vector<uint16_t> v, double plo, double phi) {
    if (v.empty()) return {0, 1};
    auto at = [&](double p) {
        size_t k = std::min(v.size() - 1, size_t(p * (v.size() - 1)));
        std::nth_element(v.begin(), v.begin() + k, v.end());
        return double(v[k]);
    };
    return {at(plo), at(phi)};
}

}  // namespace

void write_overlay(const OverlaySpec& s, const std::string& path) {
    const int W = s.width, H = s.height;
    if (!s.pixels || s.pixels->size() != size_t(W) * H || (s.mask && s.mask->size() != s.pixels->size()))
        fail("overlay: image and mask sizes do not match ", W, "x", H);
    const auto& px = *s.pixels;
    const int f = std::max(1, int(std::ceil(H / 1000.0)));
    const int ow = std::max(1, W / f), oh = std::max(1, H / f);

    // Overview window: percentiles of the breast pixels.
    const int t = otsu_threshold(px.data(), px.size());
    std::vector<uint16_t> breast;
    for (size_t i = 0; i < px.size(); i += 7)
        if (px[i] > t) breast.push_back(px[i]);
    const Window overview = percentile_window(breast, 0.005, 0.999);

    const size_t shown = std::min(s.targets.size(), size_t(std::max(0, s.max_targets)));
    const int tile = 320, gap = 16, title = 28;
    const int rows = std::max<int>(1, int(shown));
    Canvas c(ow + gap * 4 + 2 * tile, title + std::max(oh, rows * (tile + 22)) + gap, {32, 32, 32});
    c.text(gap, 8, s.title, {255, 255, 255}, 2);
    c.text(gap + Canvas::text_width(s.title, 2) + 24, 10, s.subtitle, {200, 200, 200}, 1);

    // Overview: box average of f x f blocks.
    for (int y = 0; y < oh; ++y)
        for (int x = 0; x < ow; ++x) {
            double sum = 0;
            for (int dy = 0; dy < f; ++dy)
                for (int dx = 0; dx < f; ++dx) sum += px[size_t(std::min(H - 1, y * f + dy)) * W + std::min(W - 1, x * f + dx)];
            uint8_t g = overview.map(sum / (f * f));
            c.set(gap + x, title + y, {g, g, g});
        }
    for (const auto& tg : s.targets) {
        int m = 40;
        c.rect(gap + (tg.x0 - m) / f, title + (tg.y0 - m) / f, gap + (tg.x1 + m) / f, title + (tg.y1 + m) / f,
               {255, 60, 60}, 2);
    }
    if (s.targets.empty()) c.text(ow + 2 * gap, title + 10, s.empty_note, {255, 255, 255}, 2);

    // Crops: a square around the target zoomed into a tile; plain, then with the mask outlined.
    for (size_t k = 0; k < shown; ++k) {
        const OverlayTarget& tg = s.targets[k];
        const int side = std::max(96, std::max(tg.x1 - tg.x0, tg.y1 - tg.y0) + 60);
        const int cx = (tg.x0 + tg.x1) / 2, cy = (tg.y0 + tg.y1) / 2;
        const int sx0 = std::clamp(cx - side / 2, 0, std::max(0, W - side)), sy0 = std::clamp(cy - side / 2, 0, std::max(0, H - side));
        const int sw = std::min(side, W), sh = std::min(side, H);
        std::vector<uint16_t> crop;
        for (int y = 0; y < sh; ++y)
            for (int x = 0; x < sw; ++x) crop.push_back(px[size_t(sy0 + y) * W + sx0 + x]);
        const Window win = percentile_window(crop, 0.01, 0.999);
        const int cxp = ow + 2 * gap, cyp = title + int(k) * (tile + 22);
        char mm[32];
        std::snprintf(mm, sizeof mm, "%.1f mm", sw * s.spacing_mm);
        c.text(cxp, cyp, tg.label + "  (" + std::to_string(sw) + " px = " + mm + ")", {255, 255, 255}, 1);
        auto source = [&](int tx, int ty, int& x, int& y) {
            x = sx0 + std::min(sw - 1, tx * sw / tile);
            y = sy0 + std::min(sh - 1, ty * sh / tile);
        };
        auto masked = [&](int x, int y) { return s.mask && (*s.mask)[size_t(y) * W + x] != 0; };
        for (int ty = 0; ty < tile; ++ty)
            for (int tx = 0; tx < tile; ++tx) {
                int x, y;
                source(tx, ty, x, y);
                uint8_t g = win.map(px[size_t(y) * W + x]);
                c.set(cxp + tx, cyp + 12 + ty, {g, g, g});
                bool edge = false;
                if (masked(x, y)) {
                    const int nb[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
                    for (auto& d : nb) {
                        int qx = tx + d[0], qy = ty + d[1], sxq, syq;
                        if (qx < 0 || qy < 0 || qx >= tile || qy >= tile) continue;
                        source(qx, qy, sxq, syq);
                        edge |= !masked(sxq, syq);
                    }
                }
                c.set(cxp + tile + gap + tx, cyp + 12 + ty, edge ? Rgb{255, 40, 40} : Rgb{g, g, g});
            }
    }
    c.save_png(path);
}

}  // namespace mcseg
