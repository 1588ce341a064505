// apps/draw/nps_plot.cpp — see nps_plot.h.
#include "apps/draw/nps_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "apps/draw/canvas.h"

namespace mcseg {
namespace {

constexpr Rgb kBlack{0, 0, 0}, kGrid{215, 215, 215};

// The plot's box on the canvas and the whole decades it spans on each axis.
struct LogAxes {
    int left, top, width, height;
    int x_lo, x_hi, y_lo, y_hi;  // log10 of the first and last decade
    double px(double f) const { return left + (std::log10(f) - x_lo) / (x_hi - x_lo) * width; }
    double py(double p) const { return top + height - (std::log10(p) - y_lo) / (y_hi - y_lo) * height; }
};

struct Curve {
    std::string name;
    std::vector<double> f, p;
    Rgb color;
    int thickness;
};

Curve spectrum_curve(const std::string& name, const RadialSpectrum& s, Rgb color, int thickness) {
    Curve c{name, {}, {}, color, thickness};
    for (size_t b = 0; b < s.fields.size(); ++b)
        if (s.fields[b] && s.power(b) > 0) {
            c.f.push_back(s.frequency(b));
            c.p.push_back(s.power(b));
        }
    return c;
}

// ln P = intercept − β ln f between the band's edges.
Curve fit_curve(const BandFit& b, Rgb color) {
    char name[64];
    std::snprintf(name, sizeof name, "fit: beta %.2f, %g-%g c/mm", b.fit.beta, b.band.lo, b.band.hi);
    Curve c{name, {}, {}, color, 2};
    for (double f : {b.band.lo, b.band.hi}) {
        c.f.push_back(f);
        c.p.push_back(std::exp(b.fit.intercept - b.fit.beta * std::log(f)));
    }
    return c;
}

LogAxes axes_for(const std::vector<Curve>& curves, int left, int top, int width, int height) {
    double f_lo = 1e300, f_hi = 0, p_lo = 1e300, p_hi = 0;
    for (const Curve& c : curves)
        for (size_t i = 0; i < c.f.size(); ++i) {
            f_lo = std::min(f_lo, c.f[i]), f_hi = std::max(f_hi, c.f[i]);
            p_lo = std::min(p_lo, c.p[i]), p_hi = std::max(p_hi, c.p[i]);
        }
    LogAxes a{left, top, width, height, int(std::floor(std::log10(f_lo))), int(std::ceil(std::log10(f_hi))),
              int(std::floor(std::log10(p_lo))), int(std::ceil(std::log10(p_hi)))};
    a.x_hi = std::max(a.x_hi, a.x_lo + 1);
    a.y_hi = std::max(a.y_hi, a.y_lo + 1);
    return a;
}

// "0.01" … "100", else "1eK" (Canvas::text's glyph buffer, s.size() * 300 bytes, cuts "1000" short).
std::string decade_label(int k) {
    if (k >= -2 && k <= 2) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%g", std::pow(10.0, k));
        return buf;
    }
    return "1e" + std::to_string(k);
}

// Shaded bands, decade grid lines with labels, minor ticks at 2..9, the frame and axis titles.
void draw_axes(Canvas& c, const LogAxes& a, const std::vector<Band>& bands) {
    const Rgb shades[] = {{255, 232, 232}, {232, 236, 255}};
    for (size_t i = 0; i < bands.size(); ++i)
        c.fill_rect(int(a.px(bands[i].lo)), a.top, int(a.px(bands[i].hi)), a.top + a.height, shades[i % 2]);
    for (int k = a.x_lo; k <= a.x_hi; ++k) {
        const int x = int(a.px(std::pow(10.0, k)));
        c.line(x, a.top, x, a.top + a.height, kGrid);
        const std::string t = decade_label(k);
        c.text(x - Canvas::text_width(t) / 2, a.top + a.height + 6, t, kBlack, 2);
        for (int m = 2; m < 10 && k < a.x_hi; ++m) {
            const int xm = int(a.px(m * std::pow(10.0, k)));
            c.line(xm, a.top + a.height - 5, xm, a.top + a.height, kBlack);
        }
    }
    for (int k = a.y_lo; k <= a.y_hi; ++k) {
        const int y = int(a.py(std::pow(10.0, k)));
        c.line(a.left, y, a.left + a.width, y, kGrid);
        const std::string t = decade_label(k);
        c.text(a.left - 8 - Canvas::text_width(t, 2), y - 7, t, kBlack, 2);
    }
    c.rect(a.left, a.top, a.left + a.width, a.top + a.height, kBlack);
    const std::string xl = "frequency (cycles/mm)";
    c.text(a.left + a.width / 2 - Canvas::text_width(xl, 2) / 2, a.top + a.height + 30, xl, kBlack, 2);
}

void draw_legend(Canvas& c, const std::vector<Curve>& curves, int x, int y) {
    for (const Curve& k : curves) {
        c.fill_rect(x, y + 5, x + 22, y + 5 + k.thickness, k.color);
        c.text(x + 30, y, k.name, kBlack, 1);
        y += 16;
    }
}

}  // namespace

void draw_nps_chart(const std::string& path, const RadialSpectrum& mean, const std::vector<NamedSpectrum>& others,
                    const std::vector<BandFit>& fits) {
    const Rgb palette[] = {{70, 130, 180}, {60, 170, 90},   {230, 150, 30}, {150, 90, 200},
                           {200, 120, 150}, {120, 120, 120}, {0, 170, 170}, {170, 170, 0}};
    const Rgb fit_colors[] = {{220, 30, 30}, {30, 30, 220}};
    std::vector<Curve> curves;
    for (size_t i = 0; i < others.size() && i < 8; ++i)
        curves.push_back(spectrum_curve(others[i].name, *others[i].spectrum, palette[i], 1));
    int n_fields = 0;
    for (int n : mean.fields) n_fields = std::max(n_fields, n);
    curves.push_back(spectrum_curve("mean of " + std::to_string(n_fields) + " fields", mean, kBlack, 2));
    std::vector<Band> bands;
    for (size_t i = 0; i < fits.size(); ++i) {
        curves.push_back(fit_curve(fits[i], fit_colors[i % 2]));
        bands.push_back(fits[i].band);
    }
    Canvas c(1000, 640);
    c.text(20, 10, "noise power spectrum, radially averaged (grey level^2 mm^2)", kBlack, 2);
    const LogAxes a = axes_for(curves, 90, 44, 640, 530);
    draw_axes(c, a, bands);
    for (const Curve& k : curves)
        for (size_t i = 1; i < k.f.size(); ++i)
            c.line(a.px(k.f[i - 1]), a.py(k.p[i - 1]), a.px(k.f[i]), a.py(k.p[i]), k.color, k.thickness);
    draw_legend(c, curves, a.left + a.width + 16, a.top + 4);
    c.save_png(path);
}

}  // namespace mcseg
