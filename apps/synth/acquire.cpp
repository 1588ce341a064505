// apps/synth/acquire.cpp — from attenuation to pixel values (stages.h): bright specks,
// the digital detector, and the film + digitiser of the "digitised film" variant.
//
// Digital: the detector's MTF blurs the attenuation; it counts N = N0 h(x) exp(-A) photons per
// pixel (h: the heel effect, a mild fall-off from chest wall to nipple); quantum noise is
// Poisson, here its Gaussian limit with variance N, spatially correlated by the detector, plus
// electronic noise of fixed variance, so the noise in the log image grows where tissue is dense
// (few photons). -ln(N / N0) is then processed "for presentation" as vendors do (unsharp
// masking, a gamma look-up table) and stored at 14 bits or at 12 bits scaled by 16: dense =
// bright, air dark.
//
// Ranges and where they come from (each drawn per image, see draw_detector, draw_presentation):
//   native pitch 0.05-0.1 mm    clinical FFDM detectors: 0.05 (Fuji, photon counting), 0.07
//                               (Hologic), 0.085 (Siemens), 0.1 (GE); resampled to 0.05 mm
//   MTF sigma 0.35-0.6 native px  the presampled MTF of a-Se and CsI detectors falls to ~0.3-0.5
//                               at the Nyquist frequency
//   noise correlation 0 (30 %) or 0.3-0.6 native px  direct (a-Se) detectors have nearly white
//                               noise, indirect (CsI) ones correlated noise
//   dose                        calibrated so that pixel noise / the std of a 17.9 mm tissue field
//                               spans the real mammogram's 0.255 (mcseg stats; README)
//   unsharp masking 70 %, gain 0.3-1.5 at 1-4 mm; gamma 0.75-1.35; 12 or 14 bits  vendors'
//                               "for presentation" processing (multiscale contrast enhancement,
//                               LUTs); the real image measured was 12-bit data scaled by 16
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
// Counts per pixel behind the densest tissue of a digital image, drawn log-uniformly.
constexpr double kDoseCounts[2] = {60, 400};

uint16_t to_pixel(double v) { return uint16_t(std::clamp(std::lround(v), 0L, long(kMaxValue))); }

// Unit-variance normals per pixel from `stream`, correlated by a Gaussian of sigma corr_px and
// renormalised to unit variance over the image (so sigma_a keeps meaning the per-pixel noise).
std::vector<float> unit_noise(int W, int H, uint64_t key, uint64_t stream, double corr_px) {
    std::vector<float> n(size_t(W) * H);
#pragma omp parallel for schedule(static)
    for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; x += 4) {
            float v[4];
            pixel_normals(key, stream, uint32_t(y), uint32_t(x), v);
            for (int k = 0; k < 4 && x + k < W; ++k) n[size_t(y) * W + x + k] = v[k];
        }
    if (corr_px <= 0) return n;
    gaussian_blur(n, W, H, corr_px);
    double sq = 0;
    for (float v : n) sq += double(v) * v;
    const float scale = float(1 / std::sqrt(sq / double(n.size())));
    for (float& v : n) v *= scale;
    return n;
}

// Exposure with quantum + electronic noise, as attenuation: -ln(noisy counts / N0).
template <typename Fn>
void noisy_attenuation(const std::vector<float>& a, int W, int H, const Detector& det, uint64_t key, Fn emit) {
    const std::vector<float> noise = unit_noise(W, H, key, streams::kSynthQuantumNoise, det.noise_corr_px);
#pragma omp parallel for schedule(static)
    for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x) {
            const size_t i = size_t(y) * W + x;
            const double counts = det.n0 * (1.0 - 0.12 * x / W) * std::exp(-double(a[i]));
            const double noisy = counts + std::sqrt(counts + det.electronic * det.electronic) * noise[i];
            emit(i, y, x, std::log(det.n0 / std::max(noisy, 1.0)));
        }
}

// Unsharp masking and the gamma LUT on attenuation values (0 = air, a_top = densest), then the
// stored integer: 14-bit, or 12-bit scaled by 16.
void present(std::vector<float>& img, int W, int H, double a_top, const Presentation& p, std::vector<uint16_t>& out) {
    if (p.usm_gain > 0) {
        std::vector<float> low = img;
        gaussian_blur_coarse(low, W, H, p.usm_sigma_px);
        for (size_t i = 0; i < img.size(); ++i) img[i] += float(p.usm_gain * (img[i] - low[i]));
    }
    out.resize(img.size());
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < img.size(); ++i) {
        const double t = img[i] / a_top;  // may dip below 0 in the air's noise
        const double v = p.offset + 12000.0 * (t > 0 ? std::pow(t, p.gamma) : t);
        out[i] = p.bits == 12 ? uint16_t(std::clamp(std::lround(v / 4), 0L, 4095L) * 16) : to_pixel(v);
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

Detector draw_detector(const SynthConfig& cfg, const Anatomy& an, Rng& rng) {
    Detector det;
    // Photon counts: tens to hundreds behind the densest tissue of a digital image (the quantum
    // noise regime of screening doses); film-screen needs about three times the dose.
    det.n0 = rng.log_uniform(kDoseCounts[0], kDoseCounts[1]) * std::exp(an.a_max) * (cfg.film ? 3.0 : 1.0);
    det.electronic = rng.uniform(3, 8);
    det.native_ratio = std::max(1.0, rng.uniform(0.05, 0.10) / cfg.spacing_mm);
    det.mtf_px = rng.uniform(0.35, 0.6) * det.native_ratio;
    det.noise_corr_px = rng.chance(0.3) ? 0.0 : rng.uniform(0.3, 0.6) * det.native_ratio;
    if (cfg.film) {
        det.is_film = true;
        det.film = draw_film(an, rng);
    }
    return det;
}

Presentation draw_presentation(const SynthConfig& cfg, Rng& rng) {
    Presentation p;
    if (rng.chance(0.7)) {
        p.usm_gain = rng.uniform(0.3, 1.5);
        p.usm_sigma_px = rng.uniform(1.0, 4.0) / cfg.spacing_mm;
    }
    p.gamma = rng.uniform(0.75, 1.35);
    p.bits = rng.chance(0.5) ? 12 : 14;
    p.offset = rng.uniform(60, 250);
    return p;
}

void acquire_digital(std::vector<float>& a, const Anatomy& an, const Detector& det, const Presentation& pres,
                     uint64_t key, SynthImage& out) {
    const int W = out.config.width, H = out.config.height;
    gaussian_blur(a, W, H, det.mtf_px);
    std::vector<float> img(a.size());
    noisy_attenuation(a, W, H, det, key, [&](size_t i, int, int, double an_) { img[i] = float(an_); });
    present(img, W, H, an.a_max + 0.15, pres, out.pixels);
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

void acquire_film(std::vector<float>& a, const Anatomy&, const Detector& det, uint64_t key, Rng& rng,
                  SynthImage& out) {
    const int W = out.config.width, H = out.config.height;
    const Film& f = det.film;
    gaussian_blur(a, W, H, det.mtf_px);
    std::vector<float> od(size_t(W) * H);
    noisy_attenuation(a, W, H, det, key, [&](size_t i, int y, int x, double an_) {
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
