// apps/evaluation/froc_plot.cpp — the FROC curve as a PNG (froc.h draw_froc). The FP axis is
// logarithmic, as in MC detection papers: the rates span several decades (tens to tens of thousands
// of false MCs per image for a noisy detector), which a linear axis squeezes into one corner.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "apps/draw/canvas.h"
#include "apps/evaluation/froc.h"

namespace mcseg {
namespace {

const Rgb kBlack{0, 0, 0}, kGrid{215, 215, 215}, kMinorGrid{238, 238, 238}, kCurve{31, 119, 180},
    kRate{214, 39, 40};

std::string fmt(const char* f, double v) {
    char buf[48];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

// The plot box: x = log10(FP rate) from decade lo to decade hi, y = sensitivity 0..1 with headroom.
struct LogBox {
    int x0 = 70, y0 = 50, w = 700 - 70 - 40, h = 480 - 50 - 60;  // room for the last tick label
    int lo = 0, hi = 1;
    double X(double v) const {  // a rate of 0 (log −∞) sits on the left edge
        return v <= 0 ? x0 : x0 + (std::log10(v) - lo) / (hi - lo) * w;
    }
    double Y(double s) const { return y0 + h - s / 1.05 * h; }
};

// The decades covering the rates (and `must`, the rates that are marked).
LogBox fit_box(const std::vector<double>& xs, const std::vector<double>& must) {
    double mn = INFINITY, mx = -INFINITY;
    for (double v : xs)
        if (v > 0) mn = std::min(mn, v), mx = std::max(mx, v);
    for (double v : must) mn = std::min(mn, v), mx = std::max(mx, v);
    LogBox b;
    if (!std::isfinite(mn)) mn = mx = 1;  // every rate 0
    b.lo = int(std::floor(std::log10(mn) + 1e-9));
    b.hi = std::max(b.lo + 1, int(std::ceil(std::log10(mx) - 1e-9)));
    return b;
}

// Frame, grid, decade ticks (with minor lines at 2..9), sensitivity ticks, labels.
void draw_axes(Canvas& c, const LogBox& b, const std::string& x_label) {
    for (int d = b.lo; d < b.hi; ++d)
        for (int m = 2; m <= 9; ++m) {
            const double x = b.X(m * std::pow(10.0, d));
            c.line(x, b.y0 + 1, x, b.y0 + b.h - 1, kMinorGrid);
        }
    for (int d = b.lo; d <= b.hi; ++d) {
        const double x = b.X(std::pow(10.0, d));
        c.line(x, b.y0 + 1, x, b.y0 + b.h - 1, kGrid);
        c.line(x, b.y0 + b.h, x, b.y0 + b.h + 4, kBlack);
        const std::string t = d >= -3 && d <= 4 ? fmt("%g", std::pow(10.0, d)) : "1e" + std::to_string(d);
        c.text(std::min(int(x) - Canvas::text_width(t) / 2, c.width() - 4 - Canvas::text_width(t)), b.y0 + b.h + 8, t,
               kBlack);
    }
    for (int k = 0; k <= 5; ++k) {
        const double y = b.Y(k / 5.0);
        c.line(b.x0 + 1, y, b.x0 + b.w - 1, y, kGrid);
        c.line(b.x0 - 4, y, b.x0, y, kBlack);
        const std::string t = fmt("%.1f", k / 5.0);
        c.text(b.x0 - 8 - Canvas::text_width(t), int(y) - 4, t, kBlack);
    }
    c.rect(b.x0, b.y0, b.x0 + b.w, b.y0 + b.h, kBlack);
    c.text(b.x0 + b.w / 2 - Canvas::text_width(x_label) / 2, b.y0 + b.h + 26, x_label, kBlack);
    c.text(8, b.y0 - 14, "MC sensitivity", kBlack);
}

// Dashed verticals at the papers' rates, a dot where the curve crosses each, and the figures.
void mark_rates(Canvas& c, const LogBox& b, const FrocAtRates& at) {
    std::string line = "sensitivity";
    for (size_t i = 0; i < kFrocRatesPerCm2.size(); ++i) {
        const double x = b.X(kFrocRatesPerCm2[i]);
        for (int y = b.y0 + 2; y < b.y0 + b.h - 2; y += 8) c.line(x, y, x, std::min(y + 4, b.y0 + b.h - 2), kRate);
        const auto& s = at.sensitivity[i];
        if (s) c.fill_rect(int(x) - 3, int(b.Y(*s)) - 3, int(x) + 3, int(b.Y(*s)) + 3, kRate);
        line += (i ? " / " : " ") + (s ? fmt("%.2f", *s) : std::string("n/a"));
    }
    line += " at 0.1 / 0.3 / 1 FP per cm^2 (mean " + (at.mean ? fmt("%.2f", *at.mean) : std::string("n/a")) + ")";
    c.fill_rect(b.x0 + b.w - 8 - Canvas::text_width(line), b.y0 + b.h - 20, b.x0 + b.w - 2, b.y0 + b.h - 4,
                {255, 255, 255});
    c.text(b.x0 + b.w - 4 - Canvas::text_width(line), b.y0 + b.h - 16, line, kRate);
}

}  // namespace

void draw_froc(const std::vector<FrocPoint>& points, const std::string& path) {
    const bool per_cm2 = !points.empty() && std::all_of(points.begin(), points.end(),
                                                        [](const FrocPoint& p) { return p.fp_per_cm2.has_value(); });
    std::vector<double> xs;
    for (const FrocPoint& p : points) xs.push_back(per_cm2 ? *p.fp_per_cm2 : p.fp_per_image);
    const std::vector<double> marked(per_cm2 ? kFrocRatesPerCm2.begin() : kFrocRatesPerCm2.end(),
                                     kFrocRatesPerCm2.end());
    const LogBox b = fit_box(xs, marked);
    std::string x_label = per_cm2 ? "false MCs per cm^2 of breast (log scale)" : "false MCs per image (log scale)";
    if (std::count(xs.begin(), xs.end(), 0.0)) x_label += "; 0 is drawn on the left edge";
    Canvas c(700, 480);
    c.text(b.x0, 12, "FROC: MC sensitivity over the threshold 0.05 .. 0.996", kBlack, 2);
    draw_axes(c, b, x_label);
    for (size_t i = 0; i < points.size(); ++i) {
        const double x = b.X(xs[i]), y = b.Y(points[i].mc_sensitivity);
        if (i) c.line(b.X(xs[i - 1]), b.Y(points[i - 1].mc_sensitivity), x, y, kCurve, 2);
        c.fill_rect(int(x) - 2, int(y) - 2, int(x) + 2, int(y) + 2, kCurve);
    }
    if (per_cm2) mark_rates(c, b, froc_at_rates(points));
    c.save_png(path);
}

}  // namespace mcseg
