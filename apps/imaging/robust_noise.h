// apps/imaging/robust_noise.h — the noise level of a sample that also holds a few signals (MCs, edges):
// 1.4826 × its median absolute deviation, which equals sigma for Gaussian noise but, unlike the
// standard deviation, is not dragged up by the outliers. The classic detector and the
// synthesiser's visibility criterion both measure noise this way.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

namespace mcseg {

// 0 for an empty sample; the sample is consumed (pass it with std::move when it is not needed).
template <class T>
T mad_sigma(std::vector<T> v) {
    if (v.empty()) return T(0);
    auto mid = v.begin() + v.size() / 2;
    std::nth_element(v.begin(), mid, v.end());
    const T median = *mid;
    for (T& x : v) x = std::fabs(x - median);
    std::nth_element(v.begin(), mid, v.end());
    return T(1.4826) * *mid;
}

}  // namespace mcseg
