// apps/synth/preview.cpp — `mcseg synth --preview`: one PNG to judge a synthetic mammogram at a
// glance (apps/draw/overlay.h): the whole image with its clusters boxed, and zoomed crops of the
// clusters (or, without clusters, of isolated MCs; without any MC, of the breast's centre), plain
// and with the true mask outlined.
#include "apps/imaging/otsu.h"
#include "apps/draw/overlay.h"
#include "apps/synth/synth.h"

namespace mcseg {

void write_synth_preview(const SynthImage& img, const std::string& path) {
    OverlaySpec s;
    s.pixels = &img.pixels;
    s.mask = &img.mask;
    s.width = img.config.width;
    s.height = img.config.height;
    s.spacing_mm = img.config.spacing_mm;
    s.title = img.config.film ? "synthetic mammogram (digitised film)" : "synthetic mammogram (digital)";
    s.subtitle = img.view + " " + img.laterality + "  density " + std::to_string(int(img.density * 100)) + "%  " +
                 std::to_string(img.mcs.size()) + " MCs, " + std::to_string(img.clusters.size()) + " clusters";
    for (const auto& c : img.clusters)
        s.targets.push_back({"cluster " + std::to_string(c.id) + ": " + std::to_string(c.count) + " MCs", c.x0, c.y0, c.x1, c.y1});
    if (img.clusters.empty())
        for (const auto& m : img.mcs)
            if (m.cluster < 0)
                s.targets.push_back({"isolated MC " + std::to_string(m.id) + ", " + std::to_string(m.area_px) + " px",
                                     m.x0, m.y0, m.x1, m.y1});
    if (s.targets.empty()) {  // no MC at all: a crop of the breast's centre, to judge texture and noise
        const int t = otsu_threshold(img.pixels.data(), img.pixels.size());
        double sx = 0, sy = 0, n = 0;
        for (int y = 0; y < s.height; y += 8)
            for (int x = 0; x < s.width; x += 8)
                if (img.pixels[size_t(y) * s.width + x] > t) {
                    sx += x;
                    sy += y;
                    n += 1;
                }
        const int cx = n > 0 ? int(sx / n) : s.width / 2, cy = n > 0 ? int(sy / n) : s.height / 2;
        s.targets.push_back({"no MC in this image: breast centre", cx - 100, cy - 100, cx + 100, cy + 100});
    }
    write_overlay(s, path);
}

}  // namespace mcseg
