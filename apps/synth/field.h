// apps/synth/field.h — two independent Gaussian random fields with power-law spectra (1/f^beta).
//
// Mammographic parenchyma has a power spectrum close to 1/f^beta with beta ~ 3 (Burgess et al.
// 2001). A field with a chosen spectrum is white Gaussian noise filtered in the Fourier domain:
// coefficients G(k) with Hermitian symmetry G(-k) = conj(G(k)), scaled by sqrt(P(k)), give a
// real field after the inverse FFT. Two real fields come from one complex inverse FFT:
// IFFT(H1 G1 + i H2 G2) has IFFT(H1 G1) as its real part and IFFT(H2 G2) as its imaginary part.
// The FFT is apps/imaging/fft.h; the grid is the next power of two in each direction (the fields
// are periodic there, and the caller crops its window).
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

namespace mcseg {

// Fields on a width x height grid (both cropped from the power-of-two FFT grid), each scaled to
// zero mean and unit standard deviation. amplitude1/2(f) give the square root of the power
// spectrum at radial frequency f in cycles per grid cell (f > 0); the DC term is zero.
void gaussian_fields(int width, int height, uint64_t key, const std::function<double(double)>& amplitude1,
                     const std::function<double(double)>& amplitude2, std::vector<float>& field1,
                     std::vector<float>& field2);

}  // namespace mcseg
