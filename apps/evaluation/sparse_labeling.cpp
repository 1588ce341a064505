// apps/evaluation/sparse_labeling.cpp — see sparse_labeling.h.
#include "apps/evaluation/sparse_labeling.h"

#include <algorithm>
#include <limits>

#include "engine/error.h"

namespace mcseg {

size_t PixelSet::checked_size(int width, int height) {
    if (width <= 0 || height <= 0) fail("labelling: bad image size ", width, "x", height);
    const size_t n = size_t(width) * size_t(height);
    if (n > size_t(std::numeric_limits<int32_t>::max())) fail("labelling: image of ", n, " pixels is too large");
    return n;
}

PixelSet::PixelSet(int width, int height, std::vector<uint64_t> bits)
    : width_(width), height_(height), bits_(std::move(bits)), before_(bits_.size()) {
    int32_t count = 0;
    for (size_t k = 0; k < bits_.size(); ++k) {
        before_[k] = count;
        count += __builtin_popcountll(bits_[k]);
    }
    members_.reserve(size_t(count));
    for (size_t k = 0; k < bits_.size(); ++k)
        for (uint64_t w = bits_[k]; w; w &= w - 1) members_.push_back(int32_t(k * 64 + __builtin_ctzll(w)));
}

static const std::vector<uint8_t>& checked(const std::vector<uint8_t>& mask, int width, int height) {
    if (width <= 0 || height <= 0 || mask.size() != size_t(width) * height)
        fail("labelling: mask of ", mask.size(), " bytes does not match ", width, "x", height);
    return mask;
}

SparseLabeling::SparseLabeling(const std::vector<uint8_t>& mask, int width, int height)
    : pixels_(PixelSet::where(width, height, [&m = checked(mask, width, height)](size_t i) { return m[i] != 0; })) {
    const int32_t n = int32_t(pixels_.size());
    DisjointSets sets{size_t(n)};
    for (int32_t r = 0; r < n; ++r) {  // join each pixel to its neighbours met earlier in raster order
        const int x = pixels_.pixel(r) % width, y = pixels_.pixel(r) / width;
        for (const auto& [dx, dy] : {std::pair{-1, 0}, {-1, -1}, {0, -1}, {1, -1}})
            if (const int32_t q = pixels_.rank(x + dx, y + dy); q >= 0) {
                const int32_t a = sets.find(r), b = sets.find(q);
                if (a != b) sets.link(a, b);
            }
    }
    // A root is its component's first pixel in raster order, so labels come in label_components's order.
    labels_.resize(size_t(n));
    for (int32_t r = 0; r < n; ++r) {
        const int32_t root = sets.find(r);
        const int x = pixels_.pixel(r) % width, y = pixels_.pixel(r) / width;
        if (root == r) {
            Component c;
            c.label = int(components_.size()) + 1;
            c.x0 = c.x1 = x;
            c.y0 = c.y1 = y;
            components_.push_back(c);
        }
        labels_[r] = root == r ? int32_t(components_.size()) : labels_[root];
        Component& c = components_[labels_[r] - 1];
        ++c.area_px;
        c.cx += x;  // sums of whole numbers, exact in double, as in label_components
        c.cy += y;
        c.x0 = std::min(c.x0, x);
        c.x1 = std::max(c.x1, x);
        c.y1 = y;
    }
    for (Component& c : components_) {
        c.cx /= double(c.area_px);
        c.cy /= double(c.area_px);
    }
}

}  // namespace mcseg
