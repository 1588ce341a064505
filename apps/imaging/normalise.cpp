// apps/imaging/normalise.cpp — see normalise.h.
#include "apps/imaging/normalise.h"

#include <algorithm>
#include <cmath>

#include "apps/imaging/blur.h"
#include "apps/imaging/pixel_noise.h"
#include "engine/error.h"

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

InputNorm parse_input_norm(const std::string& name) {
    if (name == "breast-z") return InputNorm::BreastZ;
    if (name == "local-noise") return InputNorm::LocalNoise;
    fail("unknown input normalisation '", name, "' (expected breast-z or local-noise)");
}

namespace {

// B: the breast's local Gaussian average (normalised convolution: blur(v m) / blur(m)), computed on
// a grid 4 times coarser than sigma (blur.h) and read back bilinearly.
CoarseGrid local_background(const GrayImage& img, const std::vector<uint8_t>& breast, double sigma_px) {
    const int f = std::max(1, int(sigma_px / 4));
    CoarseGrid num, den;  // block sums of v m and of m (the same normalisation cancels in the ratio)
    num.f = den.f = f;
    num.width = den.width = (img.width + f - 1) / f;
    num.height = den.height = (img.height + f - 1) / f;
    num.v.assign(size_t(num.width) * num.height, 0.0f);
    den.v = num.v;
    for (int y = 0; y < img.height; ++y)
        for (int x = 0; x < img.width; ++x)
            if (breast[size_t(y) * img.width + x]) {
                const size_t c = size_t(y / f) * num.width + x / f;
                num.v[c] += img.at(x, y);
                den.v[c] += 1;
            }
    gaussian_blur(num.v, num.width, num.height, sigma_px / f);
    gaussian_blur(den.v, den.width, den.height, sigma_px / f);
    for (size_t c = 0; c < num.v.size(); ++c) num.v[c] = den.v[c] > 1e-3f ? num.v[c] / den.v[c] : 0.0f;
    return num;
}

// S: the local pixel noise per tile of side `tile` px (a grid with one cell per tile).
CoarseGrid local_noise(const GrayImage& img, const std::vector<uint8_t>& breast, int tile) {
    const int W = img.width, H = img.height;
    const std::vector<float> r = noise_residual(img);
    // Every 4th pixel of every 4th row for the image's noise, every 2nd of every 2nd in a tile:
    // plenty of samples for a median, at a fraction of the time.
    const double global = pixel_noise(r, breast, W, 0, 0, W, H, nullptr, 4);
    const double floor = std::max(0.25 * global, 1e-3);
    CoarseGrid g;
    g.f = tile;
    g.width = (W + tile - 1) / tile;
    g.height = (H + tile - 1) / tile;
    g.v.resize(size_t(g.width) * g.height);
#pragma omp parallel for schedule(dynamic)
    for (int ty = 0; ty < g.height; ++ty)
        for (int tx = 0; tx < g.width; ++tx) {
            int64_t used = 0;
            const double s = pixel_noise(r, breast, W, tx * tile, ty * tile, std::min(W, (tx + 1) * tile),
                                         std::min(H, (ty + 1) * tile), &used, 2);
            g.v[size_t(ty) * g.width + tx] = float(std::max(used * 16 >= int64_t(tile) * tile ? s : global, floor));
        }
    return g;
}

}  // namespace

std::vector<uint16_t> local_noise_codes(const GrayImage& img, const std::vector<uint8_t>& breast, double spacing_mm) {
    if (!(spacing_mm > 0)) fail("local-noise normalisation needs a positive pixel spacing, got ", spacing_mm);
    const CoarseGrid b = local_background(img, breast, kBackgroundMm / spacing_mm);
    const CoarseGrid s = local_noise(img, breast, std::max(8, int(std::lround(kNoiseTileMm / spacing_mm))));
    std::vector<uint16_t> out(img.pixels.size());
#pragma omp parallel for schedule(static)
    for (int y = 0; y < img.height; ++y)
        for (int x = 0; x < img.width; ++x) {
            const size_t i = size_t(y) * img.width + x;
            const double v = breast[i] ? (img.pixels[i] - b.at(x, y)) / s.at(x, y) : 0.0;
            out[i] = uint16_t(std::clamp(std::lround(kLocalNoiseCode.mean + kLocalNoiseCode.std * v), 0L, 65535L));
        }
    return out;
}

NetworkInput network_input(const GrayImage& img, const std::vector<uint8_t>& breast, double spacing_mm, InputNorm mode) {
    if (mode == InputNorm::LocalNoise) return {local_noise_codes(img, breast, spacing_mm), kLocalNoiseCode};
    return {img.pixels, masked_stats(img, breast)};
}

}  // namespace mcseg
