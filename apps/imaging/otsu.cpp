// apps/imaging/otsu.cpp — see otsu.h.
#include "apps/imaging/otsu.h"

#include <algorithm>
#include <cmath>

namespace mcseg {

int otsu_threshold(const uint16_t* pixels, size_t n) {
    std::vector<double> hist(65536, 0.0);
    for (size_t i = 0; i < n; ++i) hist[pixels[i]] += 1;
    double total = static_cast<double>(n), sum_all = 0;
    int lo = 65535, hi = 0;
    for (int v = 0; v < 65536; ++v)
        if (hist[v] > 0) {
            sum_all += v * hist[v];
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    if (n == 0) return 0;
    if (lo == hi) return lo;
    // Scan t = lo..hi-1; w0, sum0 accumulate the class {v <= t}.
    double w0 = 0, sum0 = 0, best = -1;
    int best_t = lo;
    for (int t = lo; t < hi; ++t) {
        w0 += hist[t];
        sum0 += t * hist[t];
        if (hist[t] == 0) continue;  // same split as the previous occupied level
        double w1 = total - w0;
        double mu0 = sum0 / w0, mu1 = (sum_all - sum0) / w1;
        double between = w0 * w1 * (mu0 - mu1) * (mu0 - mu1);
        if (between > best) {
            best = between;
            best_t = t;
        }
    }
    return best_t;
}

bool dark_class_is_air(const uint16_t* pixels, size_t n, int t) {
    double n0 = 0, s0 = 0, q0 = 0, n1 = 0, s1 = 0;
    int lowest = 65535;
    for (size_t i = 0; i < n; ++i) {
        const double v = pixels[i];
        lowest = std::min<int>(lowest, pixels[i]);
        if (pixels[i] <= t) n0 += 1, s0 += v, q0 += v * v;
        else n1 += 1, s1 += v;
    }
    if (n0 == 0 || n1 == 0) return false;
    const double m0 = s0 / n0, m1 = s1 / n1, sd0 = std::sqrt(std::max(0.0, q0 / n0 - m0 * m0));
    const double gap = m1 - m0;
    return gap >= 3.5 * sd0 && m0 - lowest <= 0.5 * gap;
}

std::vector<uint8_t> breast_mask(const GrayImage& img, bool whole_image) {
    const auto [lo, hi] = std::minmax_element(img.pixels.begin(), img.pixels.end());
    if (lo == img.pixels.end() || *lo == *hi) return std::vector<uint8_t>(img.pixels.size(), 0);  // uniform: no breast
    const int t = otsu_threshold(img.pixels.data(), img.pixels.size());
    if (whole_image || !dark_class_is_air(img.pixels.data(), img.pixels.size(), t))
        return std::vector<uint8_t>(img.pixels.size(), 1);
    std::vector<uint8_t> m(img.pixels.size());
    for (size_t i = 0; i < m.size(); ++i) m[i] = img.pixels[i] > t;
    return m;
}

}  // namespace mcseg
