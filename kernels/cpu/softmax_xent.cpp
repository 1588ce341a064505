// kernels/cpu/softmax_xent.cpp — softmax and cross-entropy fused, over rows of logits [n, k].
//
// probs = exp(z - max z) / Σ exp(z - max z); loss = mean over rows of -log probs[label], computed
// as log Σ exp(z - max z) - (z[label] - max z) so a tiny probability never underflows to log 0.
// Backward: dlogits = dloss · (probs - onehot(label)) / n. Labels are class indices stored as
// floats; anything that is not an integer in [0, k) is rejected with mcseg::Error before any
// work (on the CPU the check is free; the ops layer relies on it for a clear message).
#include <cmath>
#include <vector>

#include "engine/error.h"
#include "kernels/cpu/cpu_backend.h"

namespace mcseg {

static void check_labels(int n, int k, const float* labels) {
    for (int i = 0; i < n; ++i) {
        float l = labels[i];
        if (!(l >= 0.0f && l < static_cast<float>(k)) || l != std::floor(l))
            fail("softmax_cross_entropy: label ", i, " is ", l, ", expected a class index 0..", k - 1);
    }
}

void CpuBackend::softmax_xent_forward(int n, int k, const float* logits, const float* labels,
                                      float* probs, float* loss) {
    check_labels(n, k, labels);
    std::vector<double> row_loss(n);
#pragma omp parallel for schedule(static) if (n > 256)
    for (int i = 0; i < n; ++i) {
        const float* z = logits + static_cast<long>(i) * k;
        float* p = probs + static_cast<long>(i) * k;
        float m = z[0];
        for (int j = 1; j < k; ++j) m = z[j] > m ? z[j] : m;
        double sum = 0.0;
        for (int j = 0; j < k; ++j) sum += std::exp(static_cast<double>(z[j] - m));
        for (int j = 0; j < k; ++j) p[j] = static_cast<float>(std::exp(static_cast<double>(z[j] - m)) / sum);
        row_loss[i] = std::log(sum) - (z[static_cast<int>(labels[i])] - m);
    }
    double total = 0.0;
    for (double l : row_loss) total += l;
    loss[0] = static_cast<float>(total / n);
}

void CpuBackend::softmax_xent_backward(int n, int k, const float* probs, const float* labels,
                                       const float* dloss, float* dlogits) {
    const float scale = dloss[0] / static_cast<float>(n);
    for (int i = 0; i < n; ++i) {
        const int label = static_cast<int>(labels[i]);
        for (int j = 0; j < k; ++j) {
            const long idx = static_cast<long>(i) * k + j;
            dlogits[idx] = scale * (probs[idx] - (j == label ? 1.0f : 0.0f));
        }
    }
}

}  // namespace mcseg
