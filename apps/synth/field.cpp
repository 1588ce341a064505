// apps/synth/field.cpp — see field.h.
#include "apps/synth/field.h"

#include <cmath>

#include "apps/imaging/fft.h"
#include "engine/random.h"

namespace mcseg {
namespace {

void standardise(std::vector<float>& f) {
    double s = 0, s2 = 0;
    for (float v : f) {
        s += v;
        s2 += double(v) * v;
    }
    double mean = s / f.size(), sd = std::sqrt(std::max(1e-30, s2 / f.size() - mean * mean));
    for (float& v : f) v = float((v - mean) / sd);
}

}  // namespace

void gaussian_fields(int width, int height, uint64_t key, const std::function<double(double)>& amplitude1,
                     const std::function<double(double)>& amplitude2, std::vector<float>& field1,
                     std::vector<float>& field2) {
    const int PW = next_pow2(width), PH = next_pow2(height);
    std::vector<Complex> g(size_t(PW) * PH);
    Rng rng(key, streams::kSynthTissueField);
    // Hermitian white noise G1, G2 (one pass: each coefficient and its mirror drawn once),
    // combined as H1 G1 + i H2 G2.
    for (int ky = 0; ky < PH; ++ky)
        for (int kx = 0; kx < PW; ++kx) {
            const int my = (PH - ky) % PH, mx = (PW - kx) % PW;
            const size_t i = size_t(ky) * PW + kx, m = size_t(my) * PW + mx;
            if (m < i) continue;  // drawn with its mirror
            const double fx = (kx <= PW / 2 ? kx : kx - PW) / double(PW);
            const double fy = (ky <= PH / 2 ? ky : ky - PH) / double(PH);
            const double f = std::sqrt(fx * fx + fy * fy);
            if (f == 0) {
                g[i] = 0;
                continue;
            }
            const double h1 = amplitude1(f), h2 = amplitude2(f);
            if (m == i) {  // self-mirrored: real coefficients
                g[i] = Complex(h1 * rng.normal(), h2 * rng.normal());
                continue;
            }
            const Complex g1(rng.normal() * M_SQRT1_2, rng.normal() * M_SQRT1_2);
            const Complex g2(rng.normal() * M_SQRT1_2, rng.normal() * M_SQRT1_2);
            const Complex I(0, 1);
            g[i] = h1 * g1 + I * h2 * g2;
            g[m] = h1 * std::conj(g1) + I * h2 * std::conj(g2);
        }
    fft2d(g, PW, PH, /*inverse=*/true);
    field1.resize(size_t(width) * height);
    field2.resize(size_t(width) * height);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            const Complex v = g[size_t(y) * PW + x];
            field1[size_t(y) * width + x] = float(v.real());
            field2[size_t(y) * width + x] = float(v.imag());
        }
    standardise(field1);
    standardise(field2);
}

}  // namespace mcseg
