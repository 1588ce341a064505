// apps/imaging/blur.cpp — see blur.h.
#include "apps/imaging/blur.h"

#include <algorithm>
#include <cmath>

namespace mcseg {

void gaussian_blur(std::vector<float>& img, int W, int H, double sigma) {
    const int r = int(std::ceil(3 * sigma));
    std::vector<float> k(2 * r + 1);
    float ks = 0;
    for (int t = -r; t <= r; ++t) ks += k[t + r] = float(std::exp(-t * t / (2 * sigma * sigma)));
    for (auto& v : k) v /= ks;
    std::vector<float> tmp(img.size());
#pragma omp parallel for schedule(static)
    for (int y = 0; y < H; ++y) {
        const float* s = &img[size_t(y) * W];
        float* d = &tmp[size_t(y) * W];
        for (int x = 0; x < W; ++x) {
            float acc = 0;
            for (int t = -r; t <= r; ++t) acc += k[t + r] * s[std::clamp(x + t, 0, W - 1)];
            d[x] = acc;
        }
    }
#pragma omp parallel for schedule(static)
    for (int y = 0; y < H; ++y) {
        float* d = &img[size_t(y) * W];
        for (int x = 0; x < W; ++x) d[x] = 0;
        for (int t = -r; t <= r; ++t) {
            const float* s = &tmp[size_t(std::clamp(y + t, 0, H - 1)) * W];
            for (int x = 0; x < W; ++x) d[x] += k[t + r] * s[x];
        }
    }
}

}  // namespace mcseg
