// apps/segment_patches.cpp — see segment_patches.h.
#include "apps/segment_patches.h"

#include <algorithm>
#include <cmath>

namespace mcseg {

void NormalisedImage::copy(int x0, int y0, int cw, int ch, float* out) const {
    const bool inside_x = x0 >= 0 && x0 + cw <= w;
    for (int r = 0; r < ch; ++r) {
        const float* row = &px[size_t(std::clamp(y0 + r, 0, h - 1)) * w];
        float* o = out + size_t(r) * cw;
        if (inside_x)
            std::copy(row + x0, row + x0 + cw, o);
        else
            for (int c = 0; c < cw; ++c) o[c] = row[std::clamp(x0 + c, 0, w - 1)];
    }
}

std::vector<float> positive_probability(const Tensor& logits) {
    std::vector<float> l = logits.to_host(), p(l.size() / 2);
    for (size_t i = 0; i < p.size(); ++i) p[i] = 1.0f / (1.0f + std::exp(l[2 * i] - l[2 * i + 1]));
    return p;
}

std::vector<float> exact_probabilities(Network& net, const NormalisedImage& img, const TopLefts& at, int batch,
                                       double* gflop, const StageProgress& progress) {
    const int n = net.config().patch;
    const int64_t total = int64_t(at.size());
    std::vector<float> p;
    p.reserve(at.size());
    NoGradGuard no_grad;
    for (int64_t begin = 0; begin < total; begin += batch) {
        const int count = int(std::min<int64_t>(total - begin, batch));
        std::vector<float> buf(size_t(count) * n * n);
        for (int i = 0; i < count; ++i)
            img.copy(at[begin + i].first, at[begin + i].second, n, n, &buf[size_t(i) * n * n]);
        std::vector<float> q =
            positive_probability(net.forward(Tensor::from_host({count, 1, n, n}, buf, net.device()), false));
        p.insert(p.end(), q.begin(), q.end());
        progress(begin + count, total);
    }
    *gflop = double(total) * net.config().forward_flops() / 1e9;
    return p;
}

}  // namespace mcseg
