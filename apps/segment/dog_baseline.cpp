// apps/segment/dog_baseline.cpp — see dog_baseline.h.
#include "apps/segment/dog_baseline.h"

#include <algorithm>
#include <cmath>

#include "apps/imaging/blur.h"
#include "apps/imaging/labeling.h"
#include "apps/imaging/robust_noise.h"
#include "engine/error.h"

namespace mcseg {

// Robust noise level of each tile: 1.4826 × MAD of the breast pixels' response; tiles with too
// few breast pixels borrow the image-wide value.
static std::vector<float> tile_noise(const std::vector<float>& resp, const std::vector<uint8_t>& breast,
                                     int w, int h, int tile, int tx, int ty) {
    std::vector<float> all;
    for (size_t i = 0; i < resp.size(); i += 7)  // a subsample is plenty for the global value
        if (breast[i]) all.push_back(resp[i]);
    float global = std::max(1e-6f, mad_sigma(std::move(all)));
    std::vector<float> noise(size_t(tx) * ty, global);
#pragma omp parallel for schedule(dynamic)
    for (int t = 0; t < tx * ty; ++t) {
        int x0 = (t % tx) * tile, y0 = (t / tx) * tile;
        std::vector<float> v;
        for (int y = y0; y < std::min(h, y0 + tile); ++y)
            for (int x = x0; x < std::min(w, x0 + tile); ++x)
                if (breast[size_t(y) * w + x]) v.push_back(resp[size_t(y) * w + x]);
        if (v.size() >= size_t(tile) * tile / 4) noise[t] = std::max(1e-6f, mad_sigma(std::move(v)));
    }
    return noise;
}

std::vector<float> dog_score(const GrayImage& img, const std::vector<uint8_t>& breast, const DogParams& p) {
    const int w = img.width, h = img.height;
    if (breast.size() != img.pixels.size()) fail("classic: breast mask size does not match the image");
    std::vector<float> f(img.pixels.begin(), img.pixels.end());
    std::vector<float> spot = f, back = std::move(f);
    gaussian_blur(spot, w, h, p.sigma_spot);
    gaussian_blur(back, w, h, p.sigma_background);
    for (size_t i = 0; i < spot.size(); ++i) spot[i] -= back[i];
    const int tx = (w + p.tile - 1) / p.tile, ty = (h + p.tile - 1) / p.tile;
    std::vector<float> noise = tile_noise(spot, breast, w, h, p.tile, tx, ty);
    // Bilinear interpolation of the tile noise between tile centres.
    std::vector<float> score(spot.size(), 0.0f);
#pragma omp parallel for schedule(static)
    for (int y = 0; y < h; ++y) {
        double fy = std::clamp((y + 0.5) / p.tile - 0.5, 0.0, double(ty - 1));
        int y0 = int(fy), y1 = std::min(ty - 1, y0 + 1);
        double ay = fy - y0;
        for (int x = 0; x < w; ++x) {
            size_t i = size_t(y) * w + x;
            if (!breast[i]) continue;
            double fx = std::clamp((x + 0.5) / p.tile - 0.5, 0.0, double(tx - 1));
            int x0 = int(fx), x1 = std::min(tx - 1, x0 + 1);
            double ax = fx - x0;
            double n = (1 - ay) * ((1 - ax) * noise[y0 * tx + x0] + ax * noise[y0 * tx + x1]) +
                       ay * ((1 - ax) * noise[y1 * tx + x0] + ax * noise[y1 * tx + x1]);
            score[i] = float(spot[i] / n);
        }
    }
    return score;
}

std::vector<uint8_t> dog_mask(const std::vector<float>& score, int w, int h, const DogParams& p) {
    std::vector<uint8_t> mask(score.size());
    for (size_t i = 0; i < score.size(); ++i) mask[i] = score[i] > p.threshold;
    remove_small_components(mask, w, h, p.min_area);
    return mask;
}

}  // namespace mcseg
