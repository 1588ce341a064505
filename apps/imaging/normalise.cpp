// apps/imaging/normalise.cpp — see normalise.h.
#include "apps/imaging/normalise.h"

#include <algorithm>
#include <cmath>

namespace mcseg {

PixelNorm masked_stats(const GrayImage& img, const std::vector<uint8_t>& mask) {
    bool any = std::any_of(mask.begin(), mask.end(), [](uint8_t m) { return m != 0; });
    double s = 0, s2 = 0, cnt = 0;
    for (size_t i = 0; i < img.pixels.size(); ++i)
        if (!any || mask[i]) {
            double v = img.pixels[i];
            s += v;
            s2 += v * v;
            cnt += 1;
        }
    PixelNorm p;
    if (cnt == 0) return p;
    double mean = s / cnt, var = std::max(0.0, s2 / cnt - mean * mean);
    p.mean = static_cast<float>(mean);
    p.std = static_cast<float>(std::max(1.0, std::sqrt(var)));
    return p;
}

}  // namespace mcseg
