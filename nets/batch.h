// nets/batch.h — a minibatch of patches on the host, as the sampler (apps/dataset/sampler.h) makes
// it and the training loop (nets/train.h) and evaluation (nets/evaluate.h) consume it.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/tensor.h"

namespace mcseg {

struct Batch {
    int size = 0, patch = 0;
    std::vector<float> x;      // [size, 1, patch, patch], normalised pixels
    std::vector<float> y;      // [size] labels 0 / 1
    std::vector<uint8_t> cls;  // [size] patch class 1..4 (C1..C4), 0 when unknown
};

// Uploads a host batch to device d as x [size, 1, patch, patch] and labels y [size]; an Error when
// its sizes disagree.
void upload(const Batch& b, Device d, Tensor& x, Tensor& y);

}  // namespace mcseg
