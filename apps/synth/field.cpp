// apps/synth/field.cpp — see field.h.
#include "apps/synth/field.h"

#include <cmath>
#include <complex>

#include "engine/random.h"

namespace mcseg {
namespace {

using cf = std::complex<float>;

int next_pow2(int n) {
    int p = 1;
    while (p < n) p *= 2;
    return p;
}

// In-place inverse radix-2 FFT (unnormalised) of n = 2^k points with stride 1.
void ifft1d(cf* a, int n, const std::vector<cf>& twiddle) {
    for (int i = 1, j = 0; i < n; ++i) {  // bit reversal
        int bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) std::swap(a[i], a[j]);
    }
    for (int len = 2; len <= n; len <<= 1) {
        const int half = len / 2, step = n / len;
        for (int i = 0; i < n; i += len)
            for (int k = 0; k < half; ++k) {
                cf u = a[i + k], v = a[i + k + half] * twiddle[k * step];
                a[i + k] = u + v;
                a[i + k + half] = u - v;
            }
    }
}

std::vector<cf> twiddles(int n) {  // exp(+2 pi i k / n), k < n/2
    std::vector<cf> t(std::max(1, n / 2));
    for (int k = 0; k < n / 2; ++k) t[k] = std::polar(1.0f, float(6.283185307179586 * k / n));
    return t;
}

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
    std::vector<cf> g(size_t(PW) * PH);
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
                g[i] = cf(float(h1 * rng.normal()), float(h2 * rng.normal()));
                continue;
            }
            const cf g1(float(rng.normal() * M_SQRT1_2), float(rng.normal() * M_SQRT1_2));
            const cf g2(float(rng.normal() * M_SQRT1_2), float(rng.normal() * M_SQRT1_2));
            const cf I(0, 1);
            g[i] = float(h1) * g1 + I * float(h2) * g2;
            g[m] = float(h1) * std::conj(g1) + I * float(h2) * std::conj(g2);
        }
    // 2-D inverse FFT: rows, then columns through a scratch buffer.
    const auto tw_x = twiddles(PW), tw_y = twiddles(PH);
    for (int y = 0; y < PH; ++y) ifft1d(&g[size_t(y) * PW], PW, tw_x);
    std::vector<cf> col(PH);
    for (int x = 0; x < PW; ++x) {
        if (x >= width) break;  // only the cropped columns are needed
        for (int y = 0; y < PH; ++y) col[y] = g[size_t(y) * PW + x];
        ifft1d(col.data(), PH, tw_y);
        for (int y = 0; y < PH; ++y) g[size_t(y) * PW + x] = col[y];
    }
    field1.resize(size_t(width) * height);
    field2.resize(size_t(width) * height);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            const cf v = g[size_t(y) * PW + x];
            field1[size_t(y) * width + x] = v.real();
            field2[size_t(y) * width + x] = v.imag();
        }
    standardise(field1);
    standardise(field2);
}

}  // namespace mcseg
