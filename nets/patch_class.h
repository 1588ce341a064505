// nets/patch_class.h — the paper's four patch classes C1..C4 as the numbers 1..4 (0: no class),
// and PerClass<T>, one value per class indexed by that number. Every per-class table of the
// project (patch counts, error rates, sampling quotas, the paper's figures) is a PerClass, so
// class c is always found at [c]. What makes a patch C1, C2, C3 or C4 is the dataset's rule
// (apps/dataset/patch_classes.h).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace mcseg {

inline constexpr uint8_t kNoClass = 0, kC1 = 1, kC2 = 2, kC3 = 3, kC4 = 4;

template <class T>
struct PerClass {
    std::array<T, 4> values{};  // C1..C4
    constexpr T& operator[](int cls) { return values.at(size_t(cls - 1)); }  // an exception, not garbage, for a bad class
    constexpr const T& operator[](int cls) const { return values.at(size_t(cls - 1)); }  // an exception, not garbage, for a bad class
    constexpr auto begin() { return values.begin(); }  // iterate C1..C4 in order
    constexpr auto end() { return values.end(); }
    constexpr auto begin() const { return values.begin(); }
    constexpr auto end() const { return values.end(); }
    bool operator==(const PerClass&) const = default;
};

}  // namespace mcseg
