// apps/dataset/batch_sources.h — the patch database seen through the training loop's interfaces
// (nets/train.h, nets/evaluate.h): balanced on-the-fly minibatches and fixed class-balanced
// evaluation sets, and what a run trains on.
#pragma once
#include <array>
#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "apps/dataset/sampler.h"
#include "nets/train.h"

namespace mcseg {

// Quota among the classes of each side of the balance, "c1,c2,c3,c4". The default "1,1,1,1"
// follows the paper's aim of showing the network every kind of patch: the Detector sees
// C1:C2:C3 = 1:1:1 among its positives, the Segmentator C2:C3:C4 = 1:1:1 among its negatives
// (C2 and C3 oversampled against their natural frequency).
PerClass<double> parse_quota(const std::string& text);

class SamplerSource : public BatchSource {
public:
    SamplerSource(const PatchSet& set, const SamplerConfig& cfg) : sampler_(set, cfg), patch_(set.patch()) {}
    int patch() const override { return patch_; }
    void train_batch(int64_t step, int batch_size, Batch& out) override;

private:
    Sampler sampler_;
    int patch_;
};

class EvalSetSource : public EvalSource {
public:
    EvalSetSource(const PatchSet& set, Task task, size_t per_class, uint64_t seed = streams::kEvalSetSeed)
        : eval_(set, task, per_class, seed), patch_(set.patch()) {}
    int patch() const override { return patch_; }
    size_t size() const override { return eval_.size(); }
    void get(size_t begin, size_t count, Batch& out) override { eval_.batch(begin, count, out); }
    const EvalSet& items() const { return eval_; }

private:
    EvalSet eval_;
    int patch_;
};

// What a run trains on, kept in its checkpoints' metadata so --resume needs nothing else.
struct DataSpec {
    std::string kind = "detector";  // detector | segmentator
    std::string db;                 // patch database
    std::string quota = "1,1,1,1";
    size_t val_per_class = 2000;
    double hard_share = 0;           // SamplerConfig::hard_share
    double hard_positive_share = 0;  // SamplerConfig::hard_positive_share
    bool intensity_augment = false;  // SamplerConfig::intensity_augment
    // mcseg.kind, mcseg.db, mcseg.quota, mcseg.val_per_class, and mcseg.hard_share,
    // mcseg.hard_positive_share and mcseg.intensity_augment when they are not the defaults.
    std::map<std::string, std::string> metadata() const;
    // An Error naming `where` (the checkpoint) when a value is missing or not what it must be.
    static DataSpec from_metadata(const std::map<std::string, std::string>& meta, const std::string& where);
};

// Runs `trainer` on the train split of the database with validation on its val split.
TrainResult train_on_db(Trainer& trainer, const DataSpec& data, TrainObserver& observer,
                        const std::atomic<bool>* stop = nullptr);

}  // namespace mcseg
