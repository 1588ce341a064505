// apps/segment/exact.h — the exact mode of `mcseg segment`: one N×N patch per position, cut from
// the normalised image and batched through Network::forward. The dense mode is
// apps/segment/dense.h; both share apps/segment/network_input.h.
#pragma once
#include "apps/segment/network_input.h"
#include "nets/network.h"

namespace mcseg {

// Exact mode: P(positive) of the patch at each top-left, `batch` patches per forward call
// (eval mode). *gflop receives the FLOPs done / 1e9.
std::vector<float> exact_probabilities(Network& net, const NormalisedImage& img, const TopLefts& at, int batch,
                                       double* gflop, const StageProgress& progress = {});

}  // namespace mcseg
