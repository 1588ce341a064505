// apps/draw/plot.cpp — see plot.h.
#include "apps/draw/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace mcseg {

static std::string short_number(double v) {
    char buf[32];
    if (v != 0 && (std::fabs(v) >= 1e5 || std::fabs(v) < 1e-3)) std::snprintf(buf, sizeof buf, "%.2g", v);
    else std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
}

void draw_chart(Canvas& c, int x0, int y0, int w, int h, const std::string& title,
                const std::string& x_label, const std::vector<Series>& series) {
    const Rgb black{0, 0, 0}, grey{200, 200, 200};
    const int left = 70, right = 10, top = 28, bottom = 34;
    int px0 = x0 + left, py0 = y0 + top, pw = w - left - right, ph = h - top - bottom;
    double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymin = xmin, ymax = -xmin;
    for (const auto& s : series)
        for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
            if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
            xmin = std::min(xmin, s.x[i]);
            xmax = std::max(xmax, s.x[i]);
            ymin = std::min(ymin, s.y[i]);
            ymax = std::max(ymax, s.y[i]);
        }
    c.text(px0, y0 + 6, title, black, 2);
    c.rect(px0, py0, px0 + pw, py0 + ph, black);
    if (!std::isfinite(xmin)) return;  // nothing to draw yet
    if (xmax == xmin) xmax = xmin + 1;
    if (ymax == ymin) ymax = ymin + 1;
    auto X = [&](double x) { return px0 + (x - xmin) / (xmax - xmin) * pw; };
    auto Y = [&](double y) { return py0 + ph - (y - ymin) / (ymax - ymin) * ph; };
    for (int k = 1; k < 4; ++k) c.line(px0 + 1, py0 + ph * k / 4.0, px0 + pw - 1, py0 + ph * k / 4.0, grey);
    for (int k = 0; k <= 4; ++k) {
        std::string t = short_number(ymax - (ymax - ymin) * k / 4);
        c.text(px0 - 6 - Canvas::text_width(t), int(py0 + ph * k / 4.0) - 4, t, black);
    }
    c.text(px0, py0 + ph + 6, short_number(xmin), black);
    std::string xm = short_number(xmax);
    c.text(px0 + pw - Canvas::text_width(xm), py0 + ph + 6, xm, black);
    c.text(px0 + pw / 2 - Canvas::text_width(x_label) / 2, py0 + ph + 18, x_label, black);
    int legend_y = py0 + 6;
    for (const auto& s : series) {
        bool have = false;
        double lx = 0, ly = 0;
        for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
            if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
            if (have) c.line(lx, ly, X(s.x[i]), Y(s.y[i]), s.color, 2);
            lx = X(s.x[i]);
            ly = Y(s.y[i]);
            have = true;
        }
        c.fill_rect(px0 + pw - 110, legend_y + 2, px0 + pw - 96, legend_y + 5, s.color);
        c.text(px0 + pw - 90, legend_y, s.name, black);
        legend_y += 12;
    }
}

}  // namespace mcseg
