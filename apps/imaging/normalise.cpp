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

// B: the breast's local Gaussian average (normalised convolution).
std::vector<float> local_background(const GrayImage& img, const std::vector<uint8_t>& breast, double sigma_px) {
    std::vector<float> vm(img.pixels.size()), m(img.pixels.size());
    for (size_t i = 0; i < vm.size(); ++i) {
        m[i] = breast[i] ? 1.0f : 0.0f;
        vm[i] = m[i] * img.pixels[i];
    }
    gaussian_blur_coarse(vm, img.width, img.height, sigma_px);
    gaussian_blur_coarse(m, img.width, img.height, sigma_px);
    for (size_t i = 0; i < vm.size(); ++i) vm[i] = m[i] > 1e-3f ? vm[i] / m[i] : float(img.pixels[i]);
    return vm;
}

// S: the local pixel noise, per tile of side `tile` px, bilinear between tile centres.
std::vector<float> local_noise(const GrayImage& img, const std::vector<uint8_t>& breast, int tile) {
    const int W = img.width, H = img.height, tw = (W + tile - 1) / tile, th = (H + tile - 1) / tile;
    const std::vector<float> r = noise_residual(img);
    const double global = pixel_noise(r, breast, W, 0, 0, W, H);
    const double floor = std::max(0.25 * global, 1e-3);
    std::vector<float> t(size_t(tw) * th);
    for (int ty = 0; ty < th; ++ty)
        for (int tx = 0; tx < tw; ++tx) {
            int64_t used = 0;
            const double s = pixel_noise(r, breast, W, tx * tile, ty * tile, std::min(W, (tx + 1) * tile),
                                         std::min(H, (ty + 1) * tile), &used);
            t[size_t(ty) * tw + tx] = float(std::max(used * 4 >= int64_t(tile) * tile ? s : global, floor));
        }
    std::vector<float> out(img.pixels.size());
    for (int y = 0; y < H; ++y) {
        const double gy = std::clamp((y + 0.5) / tile - 0.5, 0.0, th - 1.0);
        const int y0 = int(gy), y1 = std::min(y0 + 1, th - 1);
        const float fy = float(gy - y0);
        for (int x = 0; x < W; ++x) {
            const double gx = std::clamp((x + 0.5) / tile - 0.5, 0.0, tw - 1.0);
            const int x0 = int(gx), x1 = std::min(x0 + 1, tw - 1);
            const float fx = float(gx - x0);
            out[size_t(y) * W + x] = (t[size_t(y0) * tw + x0] * (1 - fx) + t[size_t(y0) * tw + x1] * fx) * (1 - fy) +
                                     (t[size_t(y1) * tw + x0] * (1 - fx) + t[size_t(y1) * tw + x1] * fx) * fy;
        }
    }
    return out;
}

}  // namespace

std::vector<uint16_t> local_noise_codes(const GrayImage& img, const std::vector<uint8_t>& breast, double spacing_mm) {
    if (!(spacing_mm > 0)) fail("local-noise normalisation needs a positive pixel spacing, got ", spacing_mm);
    const std::vector<float> b = local_background(img, breast, kBackgroundMm / spacing_mm);
    const std::vector<float> s = local_noise(img, breast, std::max(8, int(std::lround(kNoiseTileMm / spacing_mm))));
    std::vector<uint16_t> out(img.pixels.size());
    for (size_t i = 0; i < out.size(); ++i) {
        const double x = breast[i] ? (img.pixels[i] - b[i]) / s[i] : 0.0;
        out[i] = uint16_t(std::clamp(std::lround(kLocalNoiseCode.mean + kLocalNoiseCode.std * x), 0L, 65535L));
    }
    return out;
}

NetworkInput network_input(const GrayImage& img, const std::vector<uint8_t>& breast, double spacing_mm, InputNorm mode) {
    if (mode == InputNorm::LocalNoise) return {local_noise_codes(img, breast, spacing_mm), kLocalNoiseCode};
    return {img.pixels, masked_stats(img, breast)};
}

}  // namespace mcseg
