// apps/imaging/distance_transform.h — exact Euclidean distance transform (Felzenszwalb & Huttenlocher).
//
// For every pixel, the squared Euclidean distance to the nearest feature pixel (non-zero in the
// input). FH compute it exactly in O(width * height): a 1-D pass along each column gives, per
// pixel, the squared vertical distance to the nearest feature in that column; a 1-D pass along
// each row then takes the lower envelope of the parabolas (x - q)^2 + f(q), whose minimum over q
// is the 2-D squared distance. Pixels of an image with no feature get kNoFeature.
#pragma once
#include <cstdint>
#include <vector>

namespace mcseg {

inline constexpr float kNoFeature = 1e20f;

std::vector<float> squared_distance_transform(const std::vector<uint8_t>& feature, int width, int height);

}  // namespace mcseg
