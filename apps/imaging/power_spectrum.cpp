// apps/imaging/power_spectrum.cpp — see power_spectrum.h.
#include "apps/imaging/power_spectrum.h"

#include <algorithm>
#include <cmath>

#include "apps/imaging/fft.h"
#include "engine/error.h"

namespace mcseg {

void RadialSpectrum::add(const RadialSpectrum& o) {
    if (o.empty()) return;
    if (empty()) {
        *this = o;
        return;
    }
    if (o.bin_width != bin_width) fail("power spectrum: adding bins of ", o.bin_width, " to bins of ", bin_width);
    nyquist = std::min(nyquist, o.nyquist);
    const size_t n = std::max(fields.size(), o.fields.size());
    f_sum.resize(n, 0.0);
    p_sum.resize(n, 0.0);
    fields.resize(n, 0);
    for (size_t b = 0; b < o.fields.size(); ++b) {
        f_sum[b] += o.f_sum[b];
        p_sum[b] += o.p_sum[b];
        fields[b] += o.fields[b];
    }
}

// With x and y centred on the block, 1, x and y are orthogonal over it, so the plane's three
// coefficients are three independent projections.
double remove_plane(std::vector<double>& v, int w, int h) {
    if (w <= 0 || h <= 0 || v.size() != size_t(w) * h) fail("remove_plane: ", v.size(), " values for ", w, "x", h);
    const double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
    double s = 0, sx = 0, sy = 0, xx = 0, yy = 0;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const double val = v[size_t(y) * w + x];
            s += val;
            sx += (x - cx) * val;
            sy += (y - cy) * val;
            xx += (x - cx) * (x - cx);
            yy += (y - cy) * (y - cy);
        }
    const double a = s / v.size(), b = xx > 0 ? sx / xx : 0, c = yy > 0 ? sy / yy : 0;
    double ss = 0;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            double& val = v[size_t(y) * w + x];
            val -= a + b * (x - cx) + c * (y - cy);
            ss += val * val;
        }
    return std::sqrt(ss / v.size());
}

// Plane, window, zero-padded FFT, Δ²|F|²/Σw², then the radial bins (header).
RadialSpectrum field_nps(std::vector<double> field, int side, double spacing_mm, double bin_width) {
    if (spacing_mm <= 0 || bin_width <= 0) fail("power spectrum: spacing and bin width must be positive");
    remove_plane(field, side, side);
    const int n = next_pow2(side);
    std::vector<double> hann(side);
    for (int i = 0; i < side; ++i) hann[i] = std::pow(std::sin(M_PI * (i + 0.5) / side), 2);
    std::vector<Complex> g(size_t(n) * n, 0.0);
    double w2 = 0;
    for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x) {
            const double w = hann[x] * hann[y];
            g[size_t(y) * n + x] = w * field[size_t(y) * side + x];
            w2 += w * w;
        }
    fft2d(g, n, n);
    RadialSpectrum s;
    s.bin_width = bin_width;
    s.nyquist = 0.5 / spacing_mm;
    const size_t bins = size_t(s.nyquist / bin_width) + 1;
    std::vector<double> f_sum(bins, 0.0), p_sum(bins, 0.0);
    std::vector<int64_t> count(bins, 0);
    const double df = 1.0 / (n * spacing_mm), scale = spacing_mm * spacing_mm / w2;
    for (int ky = 0; ky < n; ++ky)
        for (int kx = 0; kx < n; ++kx) {
            const double f = df * std::hypot(kx <= n / 2 ? kx : kx - n, ky <= n / 2 ? ky : ky - n);
            if (f == 0 || f >= s.nyquist) continue;
            const size_t b = std::min(bins - 1, size_t(f / bin_width));
            f_sum[b] += f;
            p_sum[b] += scale * std::norm(g[size_t(ky) * n + kx]);
            ++count[b];
        }
    s.f_sum.assign(bins, 0.0);
    s.p_sum.assign(bins, 0.0);
    s.fields.assign(bins, 0);
    for (size_t b = 0; b < bins; ++b)
        if (count[b]) {
            s.f_sum[b] = f_sum[b] / count[b];
            s.p_sum[b] = p_sum[b] / count[b];
            s.fields[b] = 1;
        }
    return s;
}

namespace {

// The (frequency, power) of the non-empty bins inside the band; empty when the band reaches past
// the Nyquist frequency.
std::vector<std::pair<double, double>> band_bins(const RadialSpectrum& s, Band band) {
    std::vector<std::pair<double, double>> out;
    if (s.empty() || band.hi > s.nyquist) return out;
    for (size_t b = 0; b < s.fields.size(); ++b) {
        if (!s.fields[b]) continue;
        const double f = s.frequency(b);
        if (f >= band.lo && f < band.hi) out.emplace_back(f, s.power(b));
    }
    return out;
}

}  // namespace

std::optional<PowerLaw> power_law(const RadialSpectrum& s, Band band) {
    const auto bins = band_bins(s, band);
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const auto& [f, p] : bins) {
        if (p <= 0) continue;
        const double x = std::log(f), y = std::log(p);
        n += 1;
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
    }
    const double var = sxx - sx * sx / std::max(n, 1.0);
    if (n < 3 || var <= 0) return std::nullopt;
    const double slope = (sxy - sx * sy / n) / var;
    return PowerLaw{-slope, (sy - slope * sx) / n, int(n)};
}

std::optional<double> band_power(const RadialSpectrum& s, Band band) {
    const auto bins = band_bins(s, band);
    if (bins.empty()) return std::nullopt;
    double sum = 0;
    for (const auto& bp : bins) sum += bp.second;
    return sum / bins.size();
}

std::optional<double> high_low_ratio(const RadialSpectrum& s) {
    const auto hi = band_power(s, kRatioHigh), lo = band_power(s, kRatioLow);
    if (!hi || !lo || *lo <= 0) return std::nullopt;
    return *hi / *lo;
}

}  // namespace mcseg
