// apps/imaging/summed_area.h — a summed-area table of a binary mask: how many set pixels any
// axis-aligned rectangle holds, in O(1) after one O(W·H) pass (used for "does this patch hold an
// MC?" when classifying patches, and "does this window hold breast?" when segmenting).
#pragma once
#include <cstdint>
#include <vector>

namespace mcseg {

class SummedArea {
public:
    // mask: width*height bytes, non-zero = set.
    SummedArea(const std::vector<uint8_t>& mask, int width, int height)
        : stride_(size_t(width) + 1), sums_(stride_ * (size_t(height) + 1), 0) {
        for (int y = 0; y < height; ++y) {
            int32_t row = 0;
            for (int x = 0; x < width; ++x) {
                row += mask[size_t(y) * width + x] != 0;
                sums_[(y + 1) * stride_ + x + 1] = sums_[y * stride_ + x + 1] + row;
            }
        }
    }
    // Set pixels in [x0, x1) x [y0, y1); the rectangle must lie inside the mask.
    int32_t count(int x0, int y0, int x1, int y1) const {
        return sums_[y1 * stride_ + x1] - sums_[y0 * stride_ + x1] - sums_[y1 * stride_ + x0] + sums_[y0 * stride_ + x0];
    }

private:
    size_t stride_;
    std::vector<int32_t> sums_;  // sums_[y * stride_ + x]: set pixels in [0, x) x [0, y)
};

}  // namespace mcseg
