// apps/synth_preview.cpp — `mcseg synth --preview`: one PNG to judge a synthetic mammogram at a
// glance. Left: the whole image, box-downscaled, windowed on the breast (Otsu foreground,
// 0.5-99.9 percentiles), clusters boxed in red. Right: for each cluster (or, without clusters,
// isolated MCs) a zoomed crop windowed on its own pixels, plain and with the mask outlined.
#include <algorithm>
#include <cmath>

#include "apps/canvas.h"
#include "apps/otsu.h"
#include "apps/synth.h"

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

struct Target {
    std::string label;
    int x0, y0, x1, y1;
};

}  // namespace

void write_synth_preview(const SynthImage& img, const std::string& path) {
    const int W = img.config.width, H = img.config.height;
    const int f = std::max(1, int(std::ceil(H / 1000.0)));
    const int ow = W / f, oh = H / f;

    // Overview window: percentiles of the breast pixels.
    const int t = otsu_threshold(img.pixels.data(), img.pixels.size());
    std::vector<uint16_t> breast;
    for (size_t i = 0; i < img.pixels.size(); i += 7)
        if (img.pixels[i] > t) breast.push_back(img.pixels[i]);
    const Window ow_win = percentile_window(breast, 0.005, 0.999);

    std::vector<Target> targets;
    for (const auto& c : img.clusters) {
        if (targets.size() == 4) break;
        targets.push_back({"cluster " + std::to_string(c.id) + ": " + std::to_string(c.count) + " MCs", c.x0, c.y0,
                           c.x1, c.y1});
    }
    for (const auto& m : img.mcs) {
        if (!targets.empty() && (!img.clusters.empty() || targets.size() == 4)) break;
        if (m.cluster >= 0) continue;
        targets.push_back({"isolated MC " + std::to_string(m.id) + ", " + std::to_string(m.area_px) + " px", m.x0,
                           m.y0, m.x1, m.y1});
        if (targets.size() == 4) break;
    }

    const int tile = 320, gap = 16, title = 28;
    const int rows = std::max<int>(1, int(targets.size()));
    const int cw = ow + gap * 3 + 2 * tile, ch = title + std::max(oh, rows * (tile + 22)) + gap;
    Canvas c(cw, ch, {32, 32, 32});
    c.text(gap, 8,
           img.config.film ? "synthetic mammogram (digitised film)" : "synthetic mammogram (digital)", {255, 255, 255}, 2);
    c.text(gap + 460, 10,
           img.view + " " + img.laterality + "  density " + std::to_string(int(img.density * 100)) + "%  " +
               std::to_string(img.mcs.size()) + " MCs, " + std::to_string(img.clusters.size()) + " clusters",
           {200, 200, 200}, 1);

    // Overview: box average of f x f blocks.
    for (int y = 0; y < oh; ++y)
        for (int x = 0; x < ow; ++x) {
            double s = 0;
            for (int dy = 0; dy < f; ++dy)
                for (int dx = 0; dx < f; ++dx) s += img.pixels[size_t(y * f + dy) * W + x * f + dx];
            uint8_t g = ow_win.map(s / (f * f));
            c.set(gap + x, title + y, {g, g, g});
        }
    for (const auto& tg : targets) {
        int m = 40;
        c.rect(gap + (tg.x0 - m) / f, title + (tg.y0 - m) / f, gap + (tg.x1 + m) / f, title + (tg.y1 + m) / f,
               {255, 60, 60}, 2);
    }
    if (targets.empty()) c.text(ow + 2 * gap, title + 10, "no MC in this image", {255, 255, 255}, 2);

    // Crops: square around the target, zoomed into a tile; plain, then with the mask outlined.
    for (size_t k = 0; k < targets.size(); ++k) {
        const Target& tg = targets[k];
        const int side = std::max(96, std::max(tg.x1 - tg.x0, tg.y1 - tg.y0) + 60);
        const int cx = (tg.x0 + tg.x1) / 2, cy = (tg.y0 + tg.y1) / 2;
        const int sx0 = std::clamp(cx - side / 2, 0, std::max(0, W - side)), sy0 = std::clamp(cy - side / 2, 0, std::max(0, H - side));
        const int sw = std::min(side, W), sh = std::min(side, H);
        std::vector<uint16_t> crop;
        for (int y = 0; y < sh; ++y)
            for (int x = 0; x < sw; ++x) crop.push_back(img.pixels[size_t(sy0 + y) * W + sx0 + x]);
        const Window win = percentile_window(crop, 0.01, 0.999);
        const int px = ow + 2 * gap, py = title + int(k) * (tile + 22);
        c.text(px, py, tg.label + "  (" + std::to_string(sw) + " px = " +
                           std::to_string(sw * img.config.spacing_mm).substr(0, 4) + " mm)", {255, 255, 255}, 1);
        auto src = [&](int tx, int ty, int& x, int& y) {
            x = sx0 + std::min(sw - 1, tx * sw / tile);
            y = sy0 + std::min(sh - 1, ty * sh / tile);
        };
        for (int ty = 0; ty < tile; ++ty)
            for (int tx = 0; tx < tile; ++tx) {
                int x, y;
                src(tx, ty, x, y);
                uint8_t g = win.map(img.pixels[size_t(y) * W + x]);
                c.set(px + tx, py + 12 + ty, {g, g, g});
                bool m = img.mask[size_t(y) * W + x];
                bool edge = false;
                if (m) {
                    const int nb[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
                    for (auto& d : nb) {
                        int qx = tx + d[0], qy = ty + d[1], sx, sy;
                        if (qx < 0 || qy < 0 || qx >= tile || qy >= tile) continue;
                        src(qx, qy, sx, sy);
                        edge |= !img.mask[size_t(sy) * W + sx];
                    }
                }
                Rgb o = edge ? Rgb{255, 40, 40} : Rgb{g, g, g};
                c.set(px + tile + gap + tx, py + 12 + ty, o);
            }
    }
    c.save_png(path);
}

}  // namespace mcseg
