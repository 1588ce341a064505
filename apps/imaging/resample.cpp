// apps/imaging/resample.cpp — see resample.h.
#include "apps/imaging/resample.h"

#include <algorithm>
#include <cmath>

#include "engine/error.h"

namespace mcseg {
namespace {

// Bilinear value of src (w x h, row-major) at fractional pixel (x, y), edges repeated.
template <class T>
double bilinear(const std::vector<T>& src, int w, int h, double x, double y) {
    x = std::clamp(x, 0.0, w - 1.0);
    y = std::clamp(y, 0.0, h - 1.0);
    const int x0 = int(x), y0 = int(y), x1 = std::min(x0 + 1, w - 1), y1 = std::min(y0 + 1, h - 1);
    const double fx = x - x0, fy = y - y0;
    auto at = [&](int xx, int yy) { return double(src[size_t(yy) * w + xx]); };
    return (at(x0, y0) * (1 - fx) + at(x1, y0) * fx) * (1 - fy) + (at(x0, y1) * (1 - fx) + at(x1, y1) * fx) * fy;
}

// src averaged over a box of side k (odd, centred), edges repeated: the anti-alias of a shrink.
std::vector<float> box_average(const std::vector<uint16_t>& src, int w, int h, int k) {
    std::vector<float> rows(src.size()), out(src.size());
    const int r = k / 2;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            double s = 0;
            for (int d = -r; d <= r; ++d) s += src[size_t(y) * w + std::clamp(x + d, 0, w - 1)];
            rows[size_t(y) * w + x] = float(s / k);
        }
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            double s = 0;
            for (int d = -r; d <= r; ++d) s += rows[size_t(std::clamp(y + d, 0, h - 1)) * w + x];
            out[size_t(y) * w + x] = float(s / k);
        }
    return out;
}

// out (ow x oh) from src (w x h) by bilinear reads at the scaled pixel centres.
template <class T, class Out>
void scale_into(const std::vector<T>& src, int w, int h, int ow, int oh, Out put) {
    const double sx = double(ow) / w, sy = double(oh) / h;
#pragma omp parallel for schedule(static)
    for (int y = 0; y < oh; ++y)
        for (int x = 0; x < ow; ++x) put(size_t(y) * ow + x, bilinear(src, w, h, (x + 0.5) / sx - 0.5, (y + 0.5) / sy - 0.5));
}

}  // namespace

int scaled_side(int side, double s) { return std::max(1, int(std::lround(side * s))); }

GrayImage resample_image(const GrayImage& img, double s) {
    if (!(s > 0.05 && s < 20)) fail("resample: scale ", s, " out of range (0.05, 20)");
    GrayImage out;
    out.width = scaled_side(img.width, s);
    out.height = scaled_side(img.height, s);
    out.bit_depth = img.bit_depth;
    out.pixel_spacing_mm = img.pixel_spacing_mm / s;
    out.pixels.resize(size_t(out.width) * out.height);
    auto put = [&](size_t i, double v) { out.pixels[i] = uint16_t(std::clamp(std::lround(v), 0L, 65535L)); };
    if (s < 1) {
        const int k = 2 * int(std::round(0.5 / s)) + 1;  // about 1/s, odd
        scale_into(box_average(img.pixels, img.width, img.height, k), img.width, img.height, out.width, out.height, put);
    } else {
        scale_into(img.pixels, img.width, img.height, out.width, out.height, put);
    }
    return out;
}

std::vector<uint8_t> resample_map(const std::vector<uint8_t>& map, int w, int h, int ow, int oh) {
    std::vector<uint8_t> out(size_t(ow) * oh);
    scale_into(map, w, h, ow, oh, [&](size_t i, double v) { out[i] = uint8_t(std::clamp(std::lround(v), 0L, 255L)); });
    return out;
}

}  // namespace mcseg
