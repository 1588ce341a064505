// apps/train_data.h — the patch database seen through the training loop's interfaces
// (nets/train.h): balanced on-the-fly minibatches and fixed class-balanced evaluation sets.
#pragma once
#include <array>
#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "apps/sampler.h"
#include "nets/train.h"

namespace mcseg {

// Quota among the classes of each side of the balance, "c1,c2,c3,c4". The default "1,1,1,1"
// follows the paper's aim of showing the network every kind of patch: the Detector sees
// C1:C2:C3 = 1:1:1 among its positives, the Segmentator C2:C3:C4 = 1:1:1 among its negatives
// (C2 and C3 oversampled against their natural frequency).
std::array<double, 5> parse_quota(const std::string& text);

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
    EvalSetSource(const PatchSet& set, Task task, size_t per_class, uint64_t seed = 7)
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
    std::map<std::string, std::string> metadata() const;  // mcseg.kind, mcseg.db, ...
    static DataSpec from_metadata(const std::map<std::string, std::string>& meta);
};

// The network a weights file holds ("detector" | "segmentator", metadata mcseg.kind); an Error
// naming the file `path` when the metadata does not say.
std::string network_kind(const std::map<std::string, std::string>& meta, const std::string& path);

// Runs `trainer` on the train split of the database with validation on its val split.
TrainResult train_on_db(Trainer& trainer, const DataSpec& data, TrainObserver& observer,
                        const std::atomic<bool>* stop = nullptr);

// One patch of an evaluation set and what the network made of it.
struct PatchOutcome {
    std::string image, mask_path;  // image name and its mask file
    int x = 0, y = 0, cls = 0;     // centre, class 1..4
    float p_positive = 0;          // the network's probability of label 1
    bool correct = false;
};

// Evaluates a network on a class-balanced set of `per_class` patches per class of a split;
// `outcomes`, when given, receives every patch of the set.
EvalResult evaluate_on_db(Network& net, Task task, const std::string& db, const std::string& split,
                          size_t per_class, uint64_t seed = 7, std::vector<PatchOutcome>* outcomes = nullptr);

}  // namespace mcseg
