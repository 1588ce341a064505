// apps/imaging/fft.cpp — see fft.h. Iterative Cooley–Tukey: bit-reversal permutation, then log2(n)
// butterfly passes; the twiddles are computed once per length (once per 2-D transform).
#include "apps/imaging/fft.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "engine/error.h"

namespace mcseg {
namespace {

// exp(∓2πi k/n), k < n/2 (− forward, + inverse).
std::vector<Complex> twiddles(int n, bool inverse) {
    if (n < 1 || (n & (n - 1))) fail("fft: length ", n, " is not a power of two");
    std::vector<Complex> t(std::max(1, n / 2));
    for (int k = 0; k < n / 2; ++k) t[k] = std::polar(1.0, (inverse ? 2 : -2) * M_PI * k / n);
    return t;
}

void transform(Complex* a, int n, const std::vector<Complex>& twiddle) {
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
                // The product written out: std::complex's operator* also handles infinities
                // (a call to __muldc3 per butterfly), which finite data never needs.
                const Complex t = twiddle[size_t(k) * step], b = a[i + k + half];
                const Complex u = a[i + k], v(b.real() * t.real() - b.imag() * t.imag(),
                                              b.real() * t.imag() + b.imag() * t.real());
                a[i + k] = u + v;
                a[i + k + half] = u - v;
            }
    }
}

}  // namespace

int next_pow2(int n) {
    int p = 1;
    while (p < n) p *= 2;
    return p;
}

void fft(Complex* a, int n, bool inverse) { transform(a, n, twiddles(n, inverse)); }

void fft2d(std::vector<Complex>& a, int width, int height, bool inverse) {
    if (a.size() != size_t(width) * height) fail("fft2d: ", a.size(), " values for a ", width, "x", height, " grid");
    const std::vector<Complex> tw_x = twiddles(width, inverse), tw_y = twiddles(height, inverse);
    for (int y = 0; y < height; ++y) transform(&a[size_t(y) * width], width, tw_x);
    std::vector<Complex> col(height);
    for (int x = 0; x < width; ++x) {
        for (int y = 0; y < height; ++y) col[y] = a[size_t(y) * width + x];
        transform(col.data(), height, tw_y);
        for (int y = 0; y < height; ++y) a[size_t(y) * width + x] = col[y];
    }
}

}  // namespace mcseg
