// apps/synth — the synthetic mammograms with exact ground truth: anatomy, MCs, acquisition,
// distractors, the visibility criterion, the JSON sidecar, previews and whole datasets made in
// parallel. It may use draw (previews), imaging, io, terminal and the engine; nothing that
// evaluates a network may use it.
//
// apps/synth/synth.h — synthetic mammograms with microcalcification (MC) ground truth.
//
// The simulator follows the physics of a mammogram in a few honest steps (apps/synth/*.cpp):
//   anatomy     a compressed breast against air: outline, thickness falling to zero at the skin,
//               a skin line, fibroglandular tissue of varying density with 1/f^3 texture, fat
//               with Cooper's ligaments, vessels and ducts, the pectoral muscle in MLO views;
//   lesions     MCs of 0.1-1.5 mm (round, irregular, elongated, branching) rendered with
//               sub-pixel coverage (partial volume) and a blur, grouped in clusters of 6-40
//               within about 1 cm^2, plus isolated MCs; some images have none;
//   acquisition X-ray attenuation -> detector counts with signal-dependent quantum noise and
//               electronic noise (digital), or a film's characteristic curve with grain,
//               digitiser blur and scanner noise ("digitised film" variant);
//   distractors bright noise specks (dust, impulse noise), skin folds near the skin line,
//               scratches on film — none of them in the mask.
// Image k of a dataset made with seed S depends only on (S, k): same seed, same bytes.
// Pixel values are 14-bit (0..16383) stored in 16-bit PNG; dense tissue and MCs are bright.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "apps/io/image.h"

namespace mcseg {

struct SynthConfig {
    int width = 4095, height = 5625;  // pixels (the paper's full-field size)
    double spacing_mm = 0.05;         // pixel spacing
    bool film = false;                // digitised-film variant
};

struct SynthMc {
    int id = 0, cluster = -1;     // cluster -1: isolated
    double x = 0, y = 0;          // centroid of its mask pixels
    int area_px = 0;              // its mask pixels
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // bounding box of its mask pixels, inclusive
    std::string shape;            // round, irregular, elongated, branching
    double peak_attenuation = 0;  // added ln-attenuation at its densest point (before blur)
    double cnr = 0;               // that peak over the local noise sigma (in attenuation)
    double snr = 0;               // measured in the final pixels: contrast / its noise at the MC's size
};

struct SynthCluster {
    int id = 0, count = 0;
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // bounding box of its MCs' mask pixels, inclusive
};

// How an image was acquired and processed (apps/synth/acquire.cpp), for its JSON.
struct SynthAcquisition {
    double native_pitch_mm = 0, mtf_px = 0, noise_corr_px = 0;  // the detector
    double usm_gain = 0, usm_sigma_mm = 0, gamma = 1;           // presentation processing (digital)
    int bits = 14;                                              // stored bit depth
};

struct SynthImage {
    SynthConfig config;
    uint64_t seed = 0;
    int index = 0;
    std::string view, laterality;      // CC/MLO, L/R (chest wall on the left for L)
    double density = 0;                // global fibroglandular density level 0..1
    double thickness_cm = 0;           // compressed thickness
    std::vector<uint16_t> pixels;      // width*height, 0..16383
    std::vector<uint8_t> mask;         // width*height, 1 = MC
    std::vector<SynthMc> mcs;
    std::vector<SynthCluster> clusters;
    std::vector<std::pair<int, int>> specks;  // distractor centres (not MC)
    int vessels = 0, ducts = 0, skin_folds = 0, scratches = 0;
    int unannotated_mcs = 0;           // rendered but too faint to see (not in mask or mcs)
    SynthAcquisition acquisition;
};

SynthImage synthesize(const SynthConfig& cfg, uint64_t seed, int index);

// The bundled mammogram that `mcseg demo` segments and `mcseg bench segment` times: a dense
// 4095×5625 CC view, one cluster of 18 MCs and two isolated ones, never seen by the shipped
// weights' training (their set is seed 1).
inline constexpr uint64_t kDemoSeed = 32;
inline constexpr int kDemoIndex = 17;

// The image as the pipeline reads it from a file (16-bit, with its pixel spacing).
GrayImage gray_image(const SynthImage& img);

// The JSON sidecar NAME.json: pixel_spacing_mm, width, height, variant, view, laterality,
// density; mcs: id, cluster (-1 = isolated), centroid [x, y], area_px, bbox [x0, y0, x1, y1]
// (inclusive), shape, peak_attenuation, cnr, snr; unannotated_mcs; clusters: id, count, bbox;
// distractors (speck centres, skin folds, scratches).
std::string synth_json(const SynthImage& img, const std::string& name);
// NAME.png (16-bit), NAME_mask.png (8-bit 0/255) and NAME.json into dir.
void write_synth(const SynthImage& img, const std::string& dir, const std::string& name);
// A picture to judge at a glance: the image downscaled, and zoomed crops of clusters (or
// isolated MCs) plain and with the mask outlined.
void write_synth_preview(const SynthImage& img, const std::string& path);

}  // namespace mcseg
