// apps/segment/network_input.cpp — see network_input.h.
#include "apps/segment/network_input.h"

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

}  // namespace mcseg
