// apps/dataset/toy_patches.h — the generated patches of `mcseg toy`, a learning demo that needs no
// data: each 29×29 patch is a textured, noisy background (a few random low-frequency waves plus
// Gaussian noise); a positive patch also holds 1–3 small bright Gaussian spots, a stand-in for
// microcalcifications. Patch i depends only on (seed, i) (engine/random.h names its streams), so
// minibatch t is the same after a resume, and the held-out patches (ids from 2^40 on) are never
// trained on.
#pragma once
#include <cstdint>

#include "nets/evaluate.h"
#include "nets/train.h"

namespace mcseg {

inline constexpr int kToyPatch = 29;

// Training minibatches: batch t holds patches t·B .. t·B + B − 1, labels alternating 1, 0.
class ToyPatches : public BatchSource {
public:
    explicit ToyPatches(uint64_t seed) : seed_(seed) {}
    int patch() const override { return kToyPatch; }
    void train_batch(int64_t step, int batch_size, Batch& out) override;

private:
    uint64_t seed_;
};

// A fixed held-out set of `count` patches, half positive.
class ToyHeldOut : public EvalSource {
public:
    ToyHeldOut(uint64_t seed, size_t count) : seed_(seed), count_(count) {}
    int patch() const override { return kToyPatch; }
    size_t size() const override { return count_; }
    void get(size_t begin, size_t count, Batch& out) override;

private:
    uint64_t seed_;
    size_t count_;
};

}  // namespace mcseg
