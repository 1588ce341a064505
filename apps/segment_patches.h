// apps/segment_patches.h — what both modes of `mcseg segment` share: the normalised image the
// networks see (edges repeated outside it), P(positive) from logits, a progress sink, and the
// exact mode's evaluation (one N×N patch per position, batched through Network::forward). The
// dense mode is apps/segment_dense.h.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "apps/segment.h"
#include "engine/tensor.h"
#include "nets/network.h"

namespace mcseg {

// The image after (pixel − mean) / std of the breast. Pixels outside it repeat the nearest edge
// pixel: training patches always lie inside the image, so any padding is an extrapolation, and
// repeating the edge keeps the local intensity statistics.
struct NormalisedImage {
    int w = 0, h = 0;
    std::vector<float> px;
    // The cw × ch block with top-left (x0, y0), row-major into out.
    void copy(int x0, int y0, int cw, int ch, float* out) const;
};

// Patch positions: the top-left corner (x0, y0) of each N×N patch.
using TopLefts = std::vector<std::pair<int, int>>;

// P(class 1) of each row of logits [n, 2] (softmax of two), on the host.
std::vector<float> positive_probability(const Tensor& logits);

// Reports (done, total) of one stage to a SegmentProgress, when there is one.
struct StageProgress {
    SegmentProgress fn = nullptr;
    void* user = nullptr;
    const char* stage = "";
    void operator()(int64_t done, int64_t total) const {
        if (fn) fn(user, stage, done, total);
    }
};

// Exact mode: P(positive) of the patch at each top-left, `batch` patches per forward call
// (eval mode). *gflop receives the FLOPs done / 1e9.
std::vector<float> exact_probabilities(Network& net, const NormalisedImage& img, const TopLefts& at, int batch,
                                       double* gflop, const StageProgress& progress = {});

}  // namespace mcseg
