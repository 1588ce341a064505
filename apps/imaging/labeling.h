// apps/imaging/labeling.h — connected-component labelling of a binary MC mask into individual MCs.
//
// 8-connectivity (diagonal neighbours join), as a radiologist would count a calcification
// whose pixels touch at a corner as one. Each MC gets its pixel count, centroid, bounding box and,
// when an intensity image is given, the mean and peak intensity of its pixels.
#pragma once
#include <cstdint>
#include <vector>

namespace mcseg {

struct Component {
    int label = 0;                  // 1..count, as in the label image
    int64_t area_px = 0;
    double cx = 0, cy = 0;          // centroid, pixels
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // inclusive bounding box
    double mean_intensity = 0, peak_intensity = 0;
};

struct Labeling {
    int width = 0, height = 0;
    std::vector<int32_t> labels;    // 0 = background, else the component's label
    std::vector<Component> components;
};

// mask: width*height bytes, non-zero = foreground. intensity (optional): width*height values.
Labeling label_components(const std::vector<uint8_t>& mask, int width, int height,
                          const std::vector<uint16_t>* intensity = nullptr);

// Clears the components of fewer than min_area pixels from mask (specks too small to be MCs).
void remove_small_components(std::vector<uint8_t>& mask, int width, int height, int min_area);

}  // namespace mcseg
