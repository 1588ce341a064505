// apps/segment/exact.cpp — see exact.h.
#include "apps/segment/exact.h"

#include <algorithm>
#include <cmath>

namespace mcseg {

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
