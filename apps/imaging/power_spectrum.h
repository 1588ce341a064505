// apps/imaging/power_spectrum.h — the noise power spectrum (NPS) of square tissue fields, radially
// averaged in cycles/mm, and the two numbers read off it: the slope β of a power law P ∝ 1/f^β in
// a frequency band, and the high/low-frequency power ratio.
//
// Definitions (Δ = pixel spacing in mm, s = field side in px, N = next power of two >= s):
//   plane     the least-squares plane a + b·x + c·y over the field's pixels is subtracted first
//             (remove_plane; the field's std is the root mean square of that residual);
//   window    w(x, y) = h(x)·h(y), h(i) = sin²(π (i + ½) / s) (a Hann window that is never 0);
//   NPS       P(fx, fy) = Δ² |FFT(w·r)|² / Σ w², the FFT zero-padded to N x N; fx = kx / (N Δ)
//             cycles/mm (kx signed). With this scale the integral of P over the frequency plane is
//             the variance of r for stationary data (white noise of std σ has P = σ² Δ²);
//   radial    bin b holds the frequencies 0 < f = |(fx, fy)| < 1/(2Δ) (Nyquist; the corners
//             beyond it are left out) with b = floor(f / bin_width); a field's value in the bin is
//             the mean P of its points and the bin's frequency their mean f. Spectra of several
//             fields are combined bin by bin with equal weight per field (RadialSpectrum::add);
//   β         in a band [lo, hi): −slope of the least-squares line of ln P on ln f over the bins
//             whose frequency lies in the band; none when hi exceeds the Nyquist frequency or
//             fewer than 3 bins are in the band. Bands: 0.15–1 and 1–3 cycles/mm;
//   high/low  mean P of the bins in 2–3 cycles/mm ÷ mean P of the bins in 0.15–0.3 cycles/mm:
//             how far the spectral density falls across the fitted range (7e-4 for a pure
//             1/f³ spectrum in bins of 1/17.9 cycles/mm, 1 for white noise).
#pragma once
#include <optional>
#include <vector>

namespace mcseg {

struct Band {
    double lo, hi;  // cycles/mm, [lo, hi)
};
inline constexpr Band kLowBand{0.15, 1.0}, kHighBand{1.0, 3.0};            // the β bands
inline constexpr Band kRatioHigh{2.0, 3.0}, kRatioLow{0.15, 0.3};          // high/low power

// A radially averaged spectrum: per bin, sums over the fields that reached it.
struct RadialSpectrum {
    double bin_width = 0;  // cycles/mm
    double nyquist = 0;    // cycles/mm; the lowest of the spectra added
    std::vector<double> f_sum, p_sum;
    std::vector<int> fields;  // fields that reached the bin (0: empty)

    bool empty() const { return fields.empty(); }
    double frequency(size_t b) const { return f_sum[b] / fields[b]; }
    double power(size_t b) const { return p_sum[b] / fields[b]; }
    // Adds another spectrum of the same bin width, one field's weight per field it holds.
    void add(const RadialSpectrum& other);
};

// ln P = intercept − β ln f, over the bins of a band.
struct PowerLaw {
    double beta = 0, intercept = 0;
    int bins = 0;
};

// Subtracts the least-squares plane from a row-major w x h block in place; returns the root mean
// square of what is left (the block's std after the plane).
double remove_plane(std::vector<double>& v, int w, int h);

// The NPS of one s x s field (row-major values, plane not yet removed) at spacing_mm.
RadialSpectrum field_nps(std::vector<double> field, int side, double spacing_mm, double bin_width);

std::optional<PowerLaw> power_law(const RadialSpectrum& s, Band band);
// Mean P of the bins in the band; none when the band exceeds the Nyquist frequency or is empty.
std::optional<double> band_power(const RadialSpectrum& s, Band band);
std::optional<double> high_low_ratio(const RadialSpectrum& s);

}  // namespace mcseg
