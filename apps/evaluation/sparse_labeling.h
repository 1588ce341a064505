// apps/evaluation/sparse_labeling.h — connected MCs of a large mask whose foreground is a few
// pixels, without full-size label images.
//
// Scoring a full-field mammogram (23 M pixels) with imaging/labeling.h spends most of its time
// creating and clearing 92 MB label images (page faults), while an MC mask or the pixels of a
// probability map above its lowest threshold are a small fraction of the image. Here a set of
// pixels is a bitmap with the count of members before each 64-pixel word, so a pixel's rank (its
// index among the members in raster order) is a popcount away; union-find and labels are per
// member. SparseLabeling gives exactly label_components's components: numbered in the raster order
// of their first pixel, with the same area, centroid and bounding box (the tests check it).
#pragma once
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include "apps/imaging/labeling.h"

namespace mcseg {

// A set of pixels of a width x height image.
class PixelSet {
public:
    // The pixels i (raster index) for which in(i) is true.
    template <class In>
    static PixelSet where(int width, int height, In in) {
        const size_t n = checked_size(width, height);
        std::vector<uint64_t> bits((n + 63) / 64, 0);
        for (size_t i = 0; i < n; ++i) bits[i >> 6] |= uint64_t(in(i) ? 1 : 0) << (i & 63);
        return PixelSet(width, height, std::move(bits));
    }
    int width() const { return width_; }
    int height() const { return height_; }
    size_t size() const { return members_.size(); }
    int32_t pixel(int32_t rank) const { return members_[rank]; }  // raster index of the rank-th member
    // Rank of the pixel among the members in raster order; -1 when it is not one (or lies outside).
    int32_t rank(int64_t pixel) const {
        const uint64_t word = bits_[size_t(pixel >> 6)], below = (uint64_t(1) << (pixel & 63)) - 1;
        if (!(word >> (pixel & 63) & 1)) return -1;
        return before_[size_t(pixel >> 6)] + __builtin_popcountll(word & below);
    }
    int32_t rank(int x, int y) const {
        return x < 0 || y < 0 || x >= width_ || y >= height_ ? -1 : rank(int64_t(y) * width_ + x);
    }

private:
    PixelSet(int width, int height, std::vector<uint64_t> bits);
    static size_t checked_size(int width, int height);
    int width_, height_;
    std::vector<uint64_t> bits_;
    std::vector<int32_t> before_;   // members in the words before each word
    std::vector<int32_t> members_;  // raster indices, ascending
};

// Union-find over 0..n-1; the smallest index of a set is its root.
struct DisjointSets {
    std::vector<int32_t> parent;
    explicit DisjointSets(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
    int32_t find(int32_t x) {
        while (parent[x] != x) x = parent[x] = parent[parent[x]];  // path halving
        return x;
    }
    // Joins two roots; returns the root of the union (the smaller one).
    int32_t link(int32_t a, int32_t b) {
        if (a > b) std::swap(a, b);
        parent[b] = a;
        return a;
    }
};

// The 8-connected components of a mask (width*height bytes, non-zero = foreground).
class SparseLabeling {
public:
    SparseLabeling(const std::vector<uint8_t>& mask, int width, int height);
    const PixelSet& pixels() const { return pixels_; }
    int32_t member_label(int32_t rank) const { return labels_[rank]; }
    int32_t label_at(int64_t pixel) const {  // 0 for background
        const int32_t r = pixels_.rank(pixel);
        return r < 0 ? 0 : labels_[r];
    }
    const std::vector<Component>& components() const { return components_; }

private:
    PixelSet pixels_;
    std::vector<int32_t> labels_;  // per member, 1..count
    std::vector<Component> components_;
};

}  // namespace mcseg
