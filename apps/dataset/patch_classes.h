// apps/dataset — the data the networks learn from. This room owns the patch classes (which class
// each pixel is as a patch centre), the SQLite patch database (build and read), the minibatch
// sampler and the fixed evaluation sets, the nets-facing batch sources (nets/train.h), and the
// toy patches of `mcseg toy`. It may use io, imaging, terminal and the engine and nets.
//
// apps/dataset/patch_classes.h — the paper's four patch classes, for every pixel as a patch centre.
//
// For an N x N patch (N odd, centre pixel (x, y), covering x-N/2..x+N/2 and y-N/2..y+N/2):
//   C1  the centre pixel is MC;
//   C2  the centre is not MC and the nearest MC pixel is at Euclidean distance <= 3 px
//       (the paper: MCs "in a range of 2 to 3 pixels from the center"; distance 1 and 2 count
//       too, since a nearer MC is "close to the center" all the more);
//   C3  some MC pixel lies inside the patch, but farther than 3 px from the centre;
//   C4  no MC pixel inside the patch.
// The distance comes from an exact Euclidean distance transform of the MC mask
// (distance_transform.h); "any MC in the patch" from a summed-area table, O(1) per pixel.
// Centres whose patch does not fit inside the image get kNoClass; so do C4 centres outside the
// breast when a breast mask is given (the paper removes background with Otsu first).
#pragma once
#include <cstdint>
#include <vector>

#include "nets/patch_class.h"

namespace mcseg {

inline constexpr float kC2MaxDistancePx = 3.0f;

// Throws mcseg::Error unless N is odd and 3 <= N <= min(width, height).
void check_patch_size(int n, int width, int height);

// mc: MC mask (non-zero = MC), width*height. breast: optional, non-zero = breast.
std::vector<uint8_t> patch_class_map(const std::vector<uint8_t>& mc, int width, int height, int n,
                                     const std::vector<uint8_t>* breast = nullptr);

}  // namespace mcseg
