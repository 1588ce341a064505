// apps/imaging/blur.h — separable Gaussian blur of a float image, in place: a row pass then a column
// pass with a kernel of radius ceil(3σ) normalised to sum 1, borders clamped (the mean level is
// kept at the image edge). Used by the synthesis (detector blur) and the classic MC detector.
#pragma once
#include <vector>

namespace mcseg {

void gaussian_blur(std::vector<float>& img, int width, int height, double sigma);

// An image averaged over f x f blocks (the last ones clipped at the border), read back anywhere
// by bilinear interpolation between block centres (block k's centre is at (k + 0.5) f - 0.5).
struct CoarseGrid {
    int width = 0, height = 0, f = 1;  // of the grid, and the block side in fine pixels
    std::vector<float> v;
    float at(int x, int y) const;      // at fine pixel (x, y)
};
// The f x f block means of img.
CoarseGrid coarse_average(const std::vector<float>& img, int width, int height, int f);

// The same blur for a wide sigma (millimetres of a mammogram: tens of pixels), computed on a grid f
// times coarser (f = floor(sigma / 4), pixels averaged in f x f blocks), blurred there with
// sigma / f and brought back by bilinear interpolation: the low-pass result is smooth, so this
// costs 1/f^2 of the work for an error far below the image's noise. Small sigmas blur directly.
void gaussian_blur_coarse(std::vector<float>& img, int width, int height, double sigma);

}  // namespace mcseg
