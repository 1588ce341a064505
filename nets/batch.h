// nets/batch.h — a minibatch of patches on the host, as the sampler (apps/sampler.h) makes it
// and the training loop and evaluation (nets/train.h) consume it.
#pragma once
#include <cstdint>
#include <vector>

namespace mcseg {

struct Batch {
    int size = 0, patch = 0;
    std::vector<float> x;      // [size, 1, patch, patch], normalised pixels
    std::vector<float> y;      // [size] labels 0 / 1
    std::vector<uint8_t> cls;  // [size] patch class 1..4 (C1..C4), 0 when unknown
};

}  // namespace mcseg
