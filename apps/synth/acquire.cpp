// apps/synth/acquire.cpp — from attenuation to pixel values (stages.h): bright specks,
// the digital detector, and the film + digitiser of the "digitised film" variant.
//
// Digital: the detector counts N = N0 h(x) exp(-A) photons per pixel (h: the heel effect, a
// mild fall-off from chest wall to nipple); quantum noise is Poisson, here its Gaussian limit
// with variance N, plus electronic noise of fixed variance, so the noise in the log image grows
// where tissue is dense (few photons). The pixel is a linear map of -ln(N / N0): "for
// presentation" polarity, dense = bright, air dark.
// Film: the same exposure through a characteristic (H&D) curve, optical density
// OD = Dfog + (Dmax - Dfog) / (1 + exp(gamma (A - A0))), film grain (noise growing with
// sqrt(OD)), scratches, then the digitiser: optical blur (Gaussian), row-to-row gain jitter and
// white noise, 12-bit quantisation of OD in 0..4 (kept on the 14-bit scale, steps of 4).
#include <algorithm>
#include <cmath>

#include "apps/imaging/blur.h"
#include "apps/synth/stages.h"

namespace mcseg {
namespace {

constexpr int kMaxValue = 16383;

uint16_t to_pixel(double v) { return uint16_t(std::clamp(std::lround(v), 0L, long(kMaxValue))); }

// Exposure with quantum + electronic noise, as attenuation: -ln(noisy counts / N0).
template <typename Fn>
void noisy_attenuation(const std::vector<float>& a, int W, int H, double n0, double electronic, uint64_t key, Fn emit) {
#pragma omp parallel for schedule(static)
    for (int y = 0; y < H; ++y) {
        float nrm[4];
        for (int x = 0; x < W; ++x) {
            if (x % 4 == 0) pixel_normals(key, streams::kSynthQuantumNoise, uint32_t(y), uint32_t(x), nrm);
            const size_t i = size_t(y) * W + x;
            const double counts = n0 * (1.0 - 0.12 * x / W) * std::exp(-double(a[i]));
            const double noisy = counts + std::sqrt(counts + electronic * electronic) * nrm[x % 4];
            emit(i, y, x, std::log(n0 / std::max(noisy, 1.0)));
        }
    }
}

}  // namespace

void add_specks(const Anatomy& an, Rng& rng, std::vector<float>& a, SynthImage& out) {
    const int W = out.config.width, H = out.config.height;
    const int n = rng.randint(3, 20);
    for (int s = 0; s < n; ++s) {
        int x = rng.randint(2, W - 4), y = rng.randint(2, H - 4);
        if (!an.nearest(an.breast, x, y) && !rng.chance(0.3)) continue;  // mostly over the breast
        const int size = rng.randint(1, 3);
        const float amp = float(rng.uniform(0.3, 1.0));
        for (int dy = 0; dy < size; ++dy)
            for (int dx = 0; dx < size; ++dx)
                if (size < 3 || rng.chance(0.7) || (dx == 1 && dy == 1)) a[size_t(y + dy) * W + x + dx] += amp;
        out.specks.push_back({x + size / 2, y + size / 2});
    }
}

void acquire_digital(const std::vector<float>& a, const Anatomy& an, const Detector& det, uint64_t key, Rng& rng,
                     SynthImage& out) {
    const int W = out.config.width, H = out.config.height;
    const double scale = 12000.0 / (an.a_max + 0.15), offset = rng.uniform(60, 250);
    out.pixels.resize(size_t(W) * H);
    noisy_attenuation(a, W, H, det.n0, det.electronic, key,
                      [&](size_t i, int, int, double an_) { out.pixels[i] = to_pixel(offset + scale * an_); });
}

Film draw_film(const Anatomy& an, Rng& rng) {
    Film f;
    // The exposure is set so the breast falls on the straight part of the curve: its centre A0 at
    // 55-70 % of the densest tissue, and a slope spreading that tissue over ~2.5 OD.
    f.a0 = an.a_max * rng.uniform(0.55, 0.70);
    f.gamma = rng.uniform(3.5, 5.0) / an.a_max;
    f.dfog = rng.uniform(0.15, 0.25);
    f.dmax = rng.uniform(3.4, 3.9);
    f.grain = rng.uniform(0.012, 0.025);
    f.scan = rng.uniform(0.004, 0.01);
    return f;
}

double Film::od(double a) const { return dfog + (dmax - dfog) / (1 + std::exp(gamma * (a - a0))); }

double Film::slope(double a) const {
    const double s = 1 / (1 + std::exp(gamma * (a - a0)));
    return (dmax - dfog) * gamma * s * (1 - s);
}

double Film::sigma_od(double a) const {
    const double d = od(a);
    return std::hypot(grain * std::sqrt(d), scan * (1 + 0.3 * d));
}

void acquire_film(const std::vector<float>& a, const Anatomy&, const Detector& det, uint64_t key, Rng& rng,
                  SynthImage& out) {
    const int W = out.config.width, H = out.config.height;
    const Film& f = det.film;
    std::vector<float> od(size_t(W) * H);
    noisy_attenuation(a, W, H, det.n0, det.electronic, key, [&](size_t i, int y, int x, double an_) {
        double d = f.od(an_);
        float g[4];
        pixel_normals(key, streams::kSynthFilmGrain, uint32_t(y), uint32_t(x & ~3), g);
        od[i] = float(d + f.grain * std::sqrt(d) * g[x & 3]);
    });
    // Scratches: thin, slightly curved lines where the emulsion is thinner (lower OD).
    out.scratches = rng.chance(0.5) ? rng.randint(1, 3) : 0;
    for (int s = 0; s < out.scratches; ++s) {
        double x = rng.uniform(0, W), y = rng.uniform(0, H), dir = rng.uniform(0, 2 * M_PI);
        double len = rng.uniform(0.1, 0.5) * std::min(W, H), amp = rng.uniform(0.03, 0.1);
        for (double t = 0; t < len; t += 0.5) {
            dir += 0.002 * rng.normal();
            x += 0.5 * std::cos(dir);
            y += 0.5 * std::sin(dir);
            if (x < 0 || y < 0 || x >= W || y >= H) break;
            float& o = od[size_t(y) * W + size_t(x)];
            o = std::max(0.0f, o - float(amp));
        }
    }
    gaussian_blur(od, W, H, rng.uniform(0.6, 0.9));
    std::vector<double> row_gain(H);
    for (auto& r : row_gain) r = 0.003 * rng.normal() + (rng.chance(0.01) ? 0.02 * rng.normal() : 0.0);
    out.pixels.resize(size_t(W) * H);
#pragma omp parallel for schedule(static)
    for (int y = 0; y < H; ++y) {
        float nrm[4];
        for (int x = 0; x < W; ++x) {
            if (x % 4 == 0) pixel_normals(key, streams::kSynthScannerNoise, uint32_t(y), uint32_t(x), nrm);
            const size_t i = size_t(y) * W + x;
            double d = od[i] + row_gain[y] + f.scan * (1 + 0.3 * od[i]) * nrm[x % 4];
            long q = std::lround(std::clamp((4.0 - d) / 4.0, 0.0, 1.0) * 4095);
            out.pixels[i] = uint16_t(q * 4);
        }
    }
}

}  // namespace mcseg
