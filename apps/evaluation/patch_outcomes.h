// apps/evaluation/patch_outcomes.h — where a network fails: every patch of an evaluation with the
// MCs around its centre, as CSV, and the error rate by how far from the centre the nearest MC lies.
//
// The paper blames most Detector errors on class C3 patches whose only MC pixels sit at the
// border ("only the one most external pixel in the corner of the patch"). The distance used
// here is the Chebyshev one (max(|dx|, |dy|)), so ring r = N/2 is exactly the patch's outermost
// ring of pixels, and a C3 patch's nearest MC is in ring 1..N/2 (C2: 1..3, C1: 0).
#pragma once
#include <string>
#include <vector>

#include "apps/evaluation/evaluate_db.h"

namespace mcseg {

struct PatchGeometry {
    int nearest_mc = -1;  // Chebyshev distance of the nearest MC pixel to the centre; -1: none in the patch
    int mc_pixels = 0;    // MC pixels inside the patch
};

// Geometry of each patch (side n), reading each image's mask once.
std::vector<PatchGeometry> patch_geometry(const std::vector<PatchOutcome>& outcomes, int n);

// CSV: image,x,y,class,p_positive,correct,nearest_mc,mc_pixels (one row per patch).
void write_outcomes_csv(const std::string& path, const std::vector<PatchOutcome>& outcomes,
                        const std::vector<PatchGeometry>& geometry);

// Markdown: error rate and count per class C2, C3 by ring band of the nearest MC (side n).
std::string error_by_ring_markdown(const std::vector<PatchOutcome>& outcomes, const std::vector<PatchGeometry>& geometry,
                                   int n);

}  // namespace mcseg
