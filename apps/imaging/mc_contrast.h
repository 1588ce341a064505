// apps/imaging/mc_contrast.h — the size and contrast of each annotated microcalcification.
//
// MCs are the 8-connected components of the mask (labeling.h). For each:
//   area at 0.05 mm  area_px · (spacing_mm / 0.05)², the pixel count the MC would have at the
//                    synthesiser's 0.05 mm spacing;
//   ring             the pixels at Euclidean distance 2 <= d <= 4 px (centre to centre) from the
//                    nearest pixel of this MC that belong to no MC (the first one or two pixels
//                    around it are skipped: they hold the MC's blurred edge);
//   contrast         mean of the MC's pixels − mean of its ring (grey levels);
//   ring std         the ring's standard deviation (population, about its own mean).
// The ratios to the pixel noise (pixel_noise.h) are formed by image_stats.h.
// The tissue without the MCs: a copy of the image in which every pixel closer than 2 px to an MC
// (the MC and its edge, d < 2) holds the mean of that MC's ring, rounded (the tissue statistics
// are measured on it, so that a field around a cluster describes the tissue, not the MCs).
#pragma once
#include <cstdint>
#include <vector>

#include "apps/imaging/labeling.h"
#include "apps/io/gray_image.h"

namespace mcseg {

struct McContrast {
    int label = 0;
    double cx = 0, cy = 0;       // centroid, px
    int64_t area_px = 0;
    double area_px_005 = 0;      // area scaled to 0.05 mm
    double contrast = 0;         // NaN when the ring is empty
    double ring_std = 0;
    int64_t ring_px = 0;
};

// One entry per component of mcs, in label order. without_mcs (optional): set to the image
// without its MCs.
std::vector<McContrast> measure_mc_contrast(const GrayImage& img, const Labeling& mcs, double spacing_mm,
                                            GrayImage* without_mcs = nullptr);

}  // namespace mcseg
