// kernels/cuda/softmax_xent.cu — softmax fused with the mean cross-entropy, and its gradient.
//
// Forward: one thread per row computes the max-subtracted softmax and -log p[label] (as
// log Σexp - (z_label - max), which stays finite when p underflows); one block reduces the
// per-row losses in a fixed order (deterministic, no atomics) — the class count is 2 and the
// batch at most a few thousand rows, so a single block is plenty.
// Backward: elementwise, dlogits = dloss · (probs - onehot(label)) / n.
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/kernels.h"
#include "kernels/cuda/launch.h"

namespace mcseg::cuda {

namespace {

__global__ void softmax_xent_forward_kernel(int n, int k, const float* logits, const float* labels,
                                            float* probs, float* loss) {
    __shared__ float scratch[32];
    float total = 0.0f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        const float* z = logits + size_t(i) * k;
        float* p = probs + size_t(i) * k;
        float zmax = z[0];
        for (int j = 1; j < k; ++j) zmax = fmaxf(zmax, z[j]);
        float sum = 0.0f;
        for (int j = 0; j < k; ++j) {
            p[j] = expf(z[j] - zmax);
            sum += p[j];
        }
        for (int j = 0; j < k; ++j) p[j] /= sum;
        int label = int(labels[i]);
        total += logf(sum) - (z[label] - zmax);
    }
    total = block_sum(total, scratch);
    if (threadIdx.x == 0) loss[0] = total / float(n);
}

__global__ void softmax_xent_backward_kernel(int n, int k, const float* probs, const float* labels,
                                             const float* dloss, float* dlogits) {
    const unsigned total = unsigned(n) * unsigned(k), classes = unsigned(k);
    float scale = dloss[0] / float(n);
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
        int row = int(i / classes), col = int(i % classes);
        float onehot = int(labels[row]) == col ? 1.0f : 0.0f;
        dlogits[i] = scale * (probs[i] - onehot);
    }
}

}  // namespace

void softmax_xent_forward(cudaStream_t s, int n, int k, const float* logits, const float* labels,
                          float* probs, float* loss) {
    launch(softmax_xent_forward_kernel, {1, kThreads, 0, s}, n, k, logits, labels, probs, loss);
}

void softmax_xent_backward(cudaStream_t s, int n, int k, const float* probs, const float* labels,
                           const float* dloss, float* dlogits) {
    size_t total = size_t(n) * k;
    require_32bit_index(total, "softmax_xent_backward");
    launch(softmax_xent_backward_kernel, {blocks_for(total), kThreads, 0, s}, n, k, probs, labels,
           dloss, dlogits);
}

}  // namespace mcseg::cuda
