// apps/imaging/blur.h — separable Gaussian blur of a float image, in place: a row pass then a column
// pass with a kernel of radius ceil(3σ) normalised to sum 1, borders clamped (the mean level is
// kept at the image edge). Used by the synthesis (detector blur) and the classic MC detector.
#pragma once
#include <vector>

namespace mcseg {

void gaussian_blur(std::vector<float>& img, int width, int height, double sigma);

}  // namespace mcseg
