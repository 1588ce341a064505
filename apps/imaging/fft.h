// apps/imaging/fft.h — a small radix-2 complex FFT (double precision), 1-D and 2-D, for the noise
// power spectrum (power_spectrum.h) and the tests' 1/f^β fields.
//
// Convention: forward X[k] = Σ_n x[n] exp(-2πi kn/N); inverse X[k] = Σ_n x[n] exp(+2πi kn/N),
// unnormalised (forward then inverse multiplies by N, or by W·H in 2-D). Lengths must be powers
// of two; anything else is an Error (pad first: next_pow2).
#pragma once
#include <complex>
#include <vector>

namespace mcseg {

using Complex = std::complex<double>;

// The smallest power of two >= n (1 for n <= 1).
int next_pow2(int n);

// In place, a[0..n) with n = 2^k.
void fft(Complex* a, int n, bool inverse = false);

// In place, a row-major width x height grid (both powers of two): rows, then columns.
void fft2d(std::vector<Complex>& a, int width, int height, bool inverse = false);

}  // namespace mcseg
