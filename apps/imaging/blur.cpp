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

void gaussian_blur_coarse(std::vector<float>& img, int W, int H, double sigma) {
    const int f = int(sigma / 4);
    if (f < 2) return gaussian_blur(img, W, H, sigma);
    const int cw = (W + f - 1) / f, ch = (H + f - 1) / f;
    std::vector<float> coarse(size_t(cw) * ch, 0.0f), count(coarse.size(), 0.0f);
    for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x) {
            const size_t c = size_t(y / f) * cw + x / f;
            coarse[c] += img[size_t(y) * W + x];
            count[c] += 1;
        }
    for (size_t c = 0; c < coarse.size(); ++c) coarse[c] /= count[c];
    gaussian_blur(coarse, cw, ch, sigma / f);
#pragma omp parallel for schedule(static)
    for (int y = 0; y < H; ++y) {
        // Block centres sit at (k + 0.5) f - 0.5 in fine pixels.
        const double gy = std::clamp((y + 0.5) / f - 0.5, 0.0, ch - 1.0);
        const int y0 = std::min(int(gy), ch - 1), y1 = std::min(y0 + 1, ch - 1);
        const float fy = float(gy - y0);
        for (int x = 0; x < W; ++x) {
            const double gx = std::clamp((x + 0.5) / f - 0.5, 0.0, cw - 1.0);
            const int x0 = std::min(int(gx), cw - 1), x1 = std::min(x0 + 1, cw - 1);
            const float fx = float(gx - x0);
            const float* r0 = &coarse[size_t(y0) * cw];
            const float* r1 = &coarse[size_t(y1) * cw];
            img[size_t(y) * W + x] = (r0[x0] * (1 - fx) + r0[x1] * fx) * (1 - fy) + (r1[x0] * (1 - fx) + r1[x1] * fx) * fy;
        }
    }
}

}  // namespace mcseg
