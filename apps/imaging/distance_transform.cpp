// apps/imaging/distance_transform.cpp — see distance_transform.h.
#include "apps/imaging/distance_transform.h"

#include <algorithm>
#include <cstddef>
#include <vector>

namespace mcseg {
namespace {

// 1-D squared distance transform of f (length n) into d: d[p] = min_q (p - q)^2 + f[q].
// v holds the parabola apexes of the lower envelope, z the boundaries between them.
void dt1d(const float* f, float* d, int n, std::vector<int>& v, std::vector<float>& z) {
    int k = 0;
    v[0] = 0;
    z[0] = -kNoFeature;
    z[1] = kNoFeature;
    for (int q = 1; q < n; ++q) {
        float s;
        while (true) {
            int p = v[k];
            s = ((f[q] + float(q) * q) - (f[p] + float(p) * p)) / (2.0f * (q - p));
            if (s <= z[k] && k > 0) --k;
            else break;
        }
        if (s <= z[k]) {  // k == 0: q replaces the first parabola
            v[0] = q;
            z[0] = -kNoFeature;
            z[1] = kNoFeature;
            continue;
        }
        ++k;
        v[k] = q;
        z[k] = s;
        z[k + 1] = kNoFeature;
    }
    k = 0;
    for (int q = 0; q < n; ++q) {
        while (z[k + 1] < q) ++k;
        float dq = float(q - v[k]);
        d[q] = dq * dq + f[v[k]];
    }
}

}  // namespace

std::vector<float> squared_distance_transform(const std::vector<uint8_t>& feature, int width, int height) {
    const std::size_t W = size_t(width);
    std::vector<float> out(W * height);
    // Columns: exact 1-D distances by two sweeps (cheaper than the envelope for binary input).
    for (int x = 0; x < width; ++x) {
        float dist = kNoFeature;
        for (int y = 0; y < height; ++y) {
            dist = feature[y * W + x] ? 0.0f : (dist >= kNoFeature ? kNoFeature : dist + 1.0f);
            out[y * W + x] = dist;
        }
        dist = kNoFeature;
        for (int y = height - 1; y >= 0; --y) {
            dist = feature[y * W + x] ? 0.0f : (dist >= kNoFeature ? kNoFeature : dist + 1.0f);
            float& o = out[y * W + x];
            if (dist < o) o = dist;
        }
    }
    for (auto& o : out)
        if (o < kNoFeature) o *= o;
    // Rows: lower envelope of parabolas.
    std::vector<float> f(W), d(W), z(W + 1);
    std::vector<int> v(W);
    for (int y = 0; y < height; ++y) {
        float* row = &out[y * W];
        bool any = false;
        for (size_t x = 0; x < W; ++x) any |= row[x] < kNoFeature;
        if (!any) continue;  // no feature in this row's reach: stays kNoFeature
        std::copy(row, row + W, f.begin());
        dt1d(f.data(), d.data(), width, v, z);
        for (size_t x = 0; x < W; ++x) row[x] = d[x] >= kNoFeature ? kNoFeature : d[x];
    }
    return out;
}

}  // namespace mcseg
