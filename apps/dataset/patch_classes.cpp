// apps/dataset/patch_classes.cpp — see patch_classes.h.
#include "apps/dataset/patch_classes.h"

#include <algorithm>

#include "apps/imaging/distance_transform.h"
#include "apps/imaging/summed_area.h"
#include "engine/error.h"

namespace mcseg {

void check_patch_size(int n, int width, int height) {
    if (n < 3 || n % 2 == 0) fail("patch size N must be odd and >= 3, got ", n);
    if (n > std::min(width, height))
        fail("patch size N = ", n, " does not fit in a ", width, "x", height, " image");
}

std::vector<uint8_t> patch_class_map(const std::vector<uint8_t>& mc, int width, int height, int n,
                                     const std::vector<uint8_t>* breast) {
    check_patch_size(n, width, height);
    const size_t W = size_t(width);
    const SummedArea mc_count(mc, width, height);
    const std::vector<float> d2 = squared_distance_transform(mc, width, height);
    const float c2 = kC2MaxDistancePx * kC2MaxDistancePx;
    const int r = n / 2;
    std::vector<uint8_t> cls(W * height, kNoClass);
    for (int y = r; y < height - r; ++y) {
        for (int x = r; x < width - r; ++x) {
            const size_t i = y * W + x;
            uint8_t c;
            if (mc[i]) c = kC1;
            else if (d2[i] <= c2) c = kC2;
            else if (mc_count.count(x - r, y - r, x + r + 1, y + r + 1) > 0) c = kC3;
            else c = (breast && !(*breast)[i]) ? kNoClass : kC4;
            cls[i] = c;
        }
    }
    return cls;
}

}  // namespace mcseg
