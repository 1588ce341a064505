// apps/imaging/image_stats.h — the statistics `mcseg stats` measures on one image, to compare
// synthetic mammograms with real ones (and calibrate the synthesiser to them).
//
// Regions (breast_region.h): the breast (Otsu, or the whole image when it has no air) and its
// interior, at least edge_margin_mm from the air.
// Pixel noise σ_n (pixel_noise.h): 1.4826·MAD of Immerkær's residual over the noise pixels: the
// interior pixels off the image's outermost row and column that are farther than mc_margin_px
// from every MC pixel. The image's σ_n uses all of them.
// Tissue fields: squares of side s = round(field_mm / spacing) px on a grid of pitch s, the
// grid centred on the image (floor(W/s) x floor(H/s) cells); a cell is a field when all its
// pixels are interior. Fields are measured on the tissue without the MCs (mc_contrast.h: the MCs
// and their edges filled with their rings' means) when there is a mask. Per field: std = RMS
// after the least-squares plane; σ_n over the field's noise pixels; ratio σ_n / std; its NPS, β
// in 0.15–1 and 1–3 cycles/mm and the high/low power ratio (power_spectrum.h; radial bins of
// 1/field_mm cycles/mm, a field's frequency resolution). The image's spectrum is the mean of its
// fields'; nps_with_mcs is the same with the MCs left in (how much a cluster inside a field
// moves the spectrum).
// MCs (mc_contrast.h), with contrast / σ_n where σ_n is the local pixel noise (over the noise
// pixels of the s x s square centred on the MC, clipped to the image; on a region of interest of
// one field that is, about, the image's σ_n), and contrast / ring std.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "apps/imaging/mc_contrast.h"
#include "apps/imaging/power_spectrum.h"
#include "apps/io/gray_image.h"

namespace mcseg {

struct StatsOptions {
    double field_mm = 17.9;        // 256 px at 0.07 mm
    double edge_margin_mm = 2.0;   // interior: this far from the air
    double mc_margin_px = 5;       // noise pixels: farther than this from every MC pixel
};

struct FieldStats {
    int x = 0, y = 0;              // top-left corner, px
    double std = 0, sigma_n = 0, noise_ratio = 0;
    std::optional<PowerLaw> low, high;  // β in kLowBand, kHighBand
    std::optional<double> high_low;
};

struct McStats : McContrast {
    double local_noise = 0;        // σ_n of the square around the MC
    double contrast_over_noise = 0, contrast_over_ring_std = 0;  // NaN when undefined
};

struct ImageStats {
    int width = 0, height = 0;
    double spacing_mm = 0;
    bool has_air = false, has_mask = false;
    int64_t breast_px = 0, interior_px = 0, noise_px = 0;
    double sigma_n = 0;
    int field_px = 0;              // s
    std::vector<FieldStats> fields;
    RadialSpectrum nps;            // mean over the fields (empty without fields)
    RadialSpectrum nps_with_mcs;   // the same with the MCs left in
    int fields_with_mcs = 0;       // fields that hold an MC pixel
    std::optional<PowerLaw> low, high;
    std::optional<double> high_low;
    std::vector<McStats> mcs;
    std::string note;              // why there are no fields, when there are none
};

// mc_mask: width*height bytes, non-zero = MC, or null when the image has no mask. An Error for an
// empty image, a mask of another size, a spacing or field size that is not positive.
ImageStats measure_image(const GrayImage& img, const std::vector<uint8_t>* mc_mask, double spacing_mm,
                         const StatsOptions& opt = {});

}  // namespace mcseg
