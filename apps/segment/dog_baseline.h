// apps/segment/dog_baseline.h — a classical MC detector, the baseline the CNN is measured against.
//
// MCs are small bright spots, so a band-pass filter finds them: the difference of two Gaussians
// (σ = 1 px keeps a spot, σ = 4 px estimates its local background) responds strongly to blobs
// of 2–20 px and not to the slowly varying parenchyma. Quantum noise grows with the signal, so
// the response is divided by a robust local noise estimate (1.4826 × median absolute deviation of
// the response over 128×128 tiles of breast, interpolated between tile centres). The result is
// a z-score map; pixels of the breast with z > threshold form the mask, components of fewer than
// `min_area` pixels are dropped. This is the family of methods (Netsch & Peitgen; Zhao et al.)
// the paper's introduction says suffers many false positives — `mcseg score` measures it.
#pragma once
#include <cstdint>
#include <vector>

#include "apps/io/image.h"

namespace mcseg {

struct DogParams {
    double sigma_spot = 1.0, sigma_background = 4.0;  // pixels
    double threshold = 4.5;                           // z-score
    int min_area = 3;                                 // pixels
    int tile = 128;                                   // noise-estimation tile, pixels
};

// z-score map (width*height, 0 outside the breast).
std::vector<float> dog_score(const GrayImage& img, const std::vector<uint8_t>& breast,
                                 const DogParams& p = {});

// Binary mask (0/1) from a score map: score > threshold, small components removed.
std::vector<uint8_t> dog_mask(const std::vector<float>& score, int width, int height,
                                  const DogParams& p = {});

}  // namespace mcseg
