// apps/segment/network_input.h — what both modes of `mcseg segment` share: the normalised image the
// networks see (edges repeated outside it), patch positions, P(positive) from logits, and a
// progress sink.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "engine/tensor.h"

namespace mcseg {

// Called with (stage name, done, total) while the long stages run.
using SegmentProgress = void (*)(void* user, const char* stage, int64_t done, int64_t total);

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

}  // namespace mcseg
