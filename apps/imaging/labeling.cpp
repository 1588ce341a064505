// apps/imaging/labeling.cpp — see labeling.h.
//
// A flood fill per component with an explicit stack (no recursion: a component can be large),
// visiting every pixel once: O(width·height).
#include "apps/imaging/labeling.h"

#include <algorithm>

#include "engine/error.h"

namespace mcseg {

Labeling label_components(const std::vector<uint8_t>& mask, int width, int height,
                          const std::vector<uint16_t>* intensity) {
    if (width <= 0 || height <= 0 || mask.size() != size_t(width) * height)
        fail("labelling: mask of ", mask.size(), " bytes does not match ", width, "x", height);
    if (intensity && intensity->size() != mask.size())
        fail("labelling: intensity image size does not match the mask");
    Labeling out;
    out.width = width;
    out.height = height;
    out.labels.assign(mask.size(), 0);
    std::vector<int64_t> stack;
    for (int64_t start = 0; start < int64_t(mask.size()); ++start) {
        if (!mask[start] || out.labels[start]) continue;
        Component c;
        c.label = int(out.components.size()) + 1;
        c.x0 = width;
        c.y0 = height;
        c.x1 = c.y1 = -1;
        double sx = 0, sy = 0, si = 0;
        out.labels[start] = c.label;
        stack.push_back(start);
        while (!stack.empty()) {
            int64_t p = stack.back();
            stack.pop_back();
            int x = int(p % width), y = int(p / width);
            ++c.area_px;
            sx += x;
            sy += y;
            c.x0 = std::min(c.x0, x);
            c.x1 = std::max(c.x1, x);
            c.y0 = std::min(c.y0, y);
            c.y1 = std::max(c.y1, y);
            if (intensity) {
                double v = (*intensity)[p];
                si += v;
                c.peak_intensity = std::max(c.peak_intensity, v);
            }
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx) {
                    int nx = x + dx, ny = y + dy;
                    if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
                    int64_t q = int64_t(ny) * width + nx;
                    if (mask[q] && !out.labels[q]) {
                        out.labels[q] = c.label;
                        stack.push_back(q);
                    }
                }
        }
        c.cx = sx / double(c.area_px);
        c.cy = sy / double(c.area_px);
        c.mean_intensity = intensity ? si / double(c.area_px) : 0.0;
        out.components.push_back(c);
    }
    return out;
}

void remove_small_components(std::vector<uint8_t>& mask, int width, int height, int min_area) {
    Labeling l = label_components(mask, width, height);
    for (size_t i = 0; i < mask.size(); ++i)
        if (mask[i] && l.components[l.labels[i] - 1].area_px < min_area) mask[i] = 0;
}

}  // namespace mcseg
