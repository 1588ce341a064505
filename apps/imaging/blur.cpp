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

float CoarseGrid::at(int x, int y) const {
    const double gy = std::clamp((y + 0.5) / f - 0.5, 0.0, height - 1.0), gx = std::clamp((x + 0.5) / f - 0.5, 0.0, width - 1.0);
    const int y0 = int(gy), y1 = std::min(y0 + 1, height - 1), x0 = int(gx), x1 = std::min(x0 + 1, width - 1);
    const float fy = float(gy - y0), fx = float(gx - x0);
    const float* r0 = &v[size_t(y0) * width];
    const float* r1 = &v[size_t(y1) * width];
    return (r0[x0] * (1 - fx) + r0[x1] * fx) * (1 - fy) + (r1[x0] * (1 - fx) + r1[x1] * fx) * fy;
}

CoarseGrid coarse_average(const std::vector<float>& img, int W, int H, int f) {
    CoarseGrid g;
    g.f = f;
    g.width = (W + f - 1) / f;
    g.height = (H + f - 1) / f;
    g.v.assign(size_t(g.width) * g.height, 0.0f);
    std::vector<float> count(g.v.size(), 0.0f);
    for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x) {
            const size_t c = size_t(y / f) * g.width + x / f;
            g.v[c] += img[size_t(y) * W + x];
            count[c] += 1;
        }
    for (size_t c = 0; c < g.v.size(); ++c) g.v[c] /= count[c];
    return g;
}

void gaussian_blur_coarse(std::vector<float>& img, int W, int H, double sigma) {
    const int f = int(sigma / 4);
    if (f < 2) return gaussian_blur(img, W, H, sigma);
    CoarseGrid g = coarse_average(img, W, H, f);
    gaussian_blur(g.v, g.width, g.height, sigma / f);
#pragma omp parallel for schedule(static)
    for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x) img[size_t(y) * W + x] = g.at(x, y);
}

}  // namespace mcseg
