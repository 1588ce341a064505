// apps/synth/stages.h — the stages of the synthesiser (synth.h), shared by synth_*.cpp only.
//
// Anatomy lives on a half-resolution grid (tissue is smooth at 0.1 mm); the attenuation map is
// then upsampled to full resolution, where MCs and distractors are added, and the acquisition
// turns attenuation into pixel values. Attenuation is the line integral of mu along the ray
// (natural log units: transmitted = incident * exp(-A)).
#pragma once
#include <cstdint>
#include <vector>

#include "apps/synth/synth.h"
#include "engine/random.h"

namespace mcseg {

struct Anatomy {
    int gw = 0, gh = 0;                 // half-resolution grid
    std::vector<float> atten;           // tissue attenuation A
    std::vector<float> edge_px;         // distance to the skin, in full-resolution pixels
    std::vector<uint8_t> breast;        // 1 inside the breast
    std::vector<uint8_t> pectoral;      // 1 inside the pectoral muscle
    float a_max = 0;                    // densest tissue (attenuation) in the breast
    // Bilinear sample of a grid map at full-resolution pixel (x, y).
    float sample(const std::vector<float>& map, double x, double y) const;
    uint8_t nearest(const std::vector<uint8_t>& map, int x, int y) const;
};

// Anatomy in canonical orientation (chest wall at x = 0); fills view, density, thickness,
// vessels, ducts, skin_folds of `out`.
Anatomy make_anatomy(const SynthConfig& cfg, uint64_t key, Rng& rng, SynthImage& out);

// Film: the characteristic curve OD(A) = dfog + (dmax - dfog) / (1 + exp(gamma (A - a0))), grain
// (sigma grain * sqrt(OD)) and the scanner's noise (sigma scan * (1 + 0.3 OD)).
struct Film {
    double a0 = 0, gamma = 0, dfog = 0, dmax = 0, grain = 0, scan = 0;
    double od(double a) const;
    double slope(double a) const;     // |dOD/dA|
    double sigma_od(double a) const;  // grain and scanner noise at OD(a)
};

// Detector model: incident counts per pixel, and the noise sigma of A there (quantum +
// electronic; for film also the film's own noise, referred back through the curve's slope, so
// that an MC's contrast-to-noise ratio means the same visibility on both variants).
//
// Real detectors are not ideal samplers: the pixel pitch they measure at (0.05-0.1 mm) is resampled
// to the working spacing, and their modulation transfer blurs the signal and spatially correlates
// the quantum noise (mottle). Both are Gaussians here, in working pixels: mtf_px blurs the
// attenuation (MCs included) before exposure, noise_corr_px correlates the quantum noise, whose
// per-pixel sigma is kept (the field is renormalised after the blur).
struct Detector {
    double n0 = 0;             // counts per pixel with no object
    double electronic = 0;     // electronic noise sigma, in counts
    double native_ratio = 1;   // the detector's pixel pitch over the working spacing
    double mtf_px = 0;         // signal blur (Gaussian sigma, working px)
    double noise_corr_px = 0;  // quantum-noise correlation (Gaussian sigma, working px; 0: white)
    bool is_film = false;
    Film film;
    double sigma_a(double a) const;
};

// The detector of one image: dose, electronic noise, native pitch, MTF and noise correlation
// (ranges and their sources in acquire.cpp).
Detector draw_detector(const SynthConfig& cfg, const Anatomy& an, Rng& rng);

// The "for presentation" processing a vendor applies to a digital image before it is stored:
// unsharp masking (a multiscale contrast enhancement reduced to one scale) of gain usm_gain at
// Gaussian scale usm_sigma_px, a gamma look-up table, and the stored bit depth (12-bit data
// scaled by 16 into 16 bits, or 14-bit data).
struct Presentation {
    double usm_gain = 0, usm_sigma_px = 0, gamma = 1;
    int bits = 14;
    double offset = 0;  // the air's grey level before quantisation (14-bit scale)
};
Presentation draw_presentation(const SynthConfig& cfg, Rng& rng);

// MCs and clusters: renders into the full-resolution attenuation `a` and mask, fills out.mcs
// and out.clusters.
void place_mcs(const Anatomy& an, const Detector& det, Rng& rng, std::vector<float>& a,
               std::vector<uint8_t>& mask, SynthImage& out);

// Drops from the mask and the MC list every MC a reader could not see in the final pixels (see
// synth_mc.cpp), so that the ground truth is what a radiologist would annotate; clusters left
// with fewer than 6 MCs dissolve. Returns how many were dropped.
int drop_invisible_mcs(SynthImage& out);

// Bright specks into `a` (recorded in out.specks).
void add_specks(const Anatomy& an, Rng& rng, std::vector<float>& a, SynthImage& out);

// Attenuation -> pixels: digital detector and presentation processing, or film + digitiser (adds
// scratches). Both blur `a` in place by the detector's MTF first.
void acquire_digital(std::vector<float>& a, const Anatomy& an, const Detector& det, const Presentation& pres,
                     uint64_t key, SynthImage& out);
// The film and scanner of one digitised-film image (drawn before the MCs, whose contrast
// depends on them).
Film draw_film(const Anatomy& an, Rng& rng);
void acquire_film(std::vector<float>& a, const Anatomy& an, const Detector& det, uint64_t key, Rng& rng,
                  SynthImage& out);

}  // namespace mcseg
