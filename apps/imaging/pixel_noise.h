// apps/imaging/pixel_noise.h — the white pixel noise σ_n of an image, robust to its texture and
// to the few MCs and edges in it.
//
// Residual (Immerkær 1996, "Fast noise variance estimation"): r = (K * v) / 6 with the 3x3 kernel
//     K = [ 1 -2  1 ; -2  4 -2 ; 1 -2  1 ]
// (the product of two 1-D second differences, so any f(x) + g(y) with f, g at most quadratic —
// planes, ramps, smooth curvature — gives 0; white noise of std σ gives residuals of std σ, since
// Σ K² = 36). The outermost row and column of the image have no residual.
// σ_n over a set of pixels = 1.4826 · median |r − median r| (robust_noise.h), which is σ for
// Gaussian noise and is not pulled up by the MCs, vessels and edges a few residuals fall on.
#pragma once
#include <cstdint>
#include <vector>

#include "apps/io/gray_image.h"

namespace mcseg {

// The residual image (0 on the one-pixel border).
std::vector<float> noise_residual(const GrayImage& img);

// σ_n of the residuals at the pixels of [x0, x1) x [y0, y1) where use != 0 (row-major, the
// residual's width); also the number of pixels used. 0 for none. stride > 1 takes every stride-th
// pixel of every stride-th row (a faster estimate from fewer samples).
double pixel_noise(const std::vector<float>& residual, const std::vector<uint8_t>& use, int width, int x0, int y0,
                   int x1, int y1, int64_t* used = nullptr, int stride = 1);

}  // namespace mcseg
