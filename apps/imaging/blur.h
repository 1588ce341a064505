// apps/imaging/blur.h — separable Gaussian blur of a float image, in place: a row pass then a column
// pass with a kernel of radius ceil(3σ) normalised to sum 1, borders clamped (the mean level is
// kept at the image edge). Used by the synthesis (detector blur) and the classic MC detector.
#pragma once
#include <vector>

namespace mcseg {

void gaussian_blur(std::vector<float>& img, int width, int height, double sigma);

// The same for a wide sigma (millimetres of a mammogram: tens of pixels), computed on a grid f
// times coarser (f = floor(sigma / 4), pixels averaged in f x f blocks), blurred there with
// sigma / f and brought back by bilinear interpolation: the low-pass result is smooth, so this
// costs 1/f^2 of the work for an error far below the image's noise. Small sigmas blur directly.
void gaussian_blur_coarse(std::vector<float>& img, int width, int height, double sigma);

}  // namespace mcseg
