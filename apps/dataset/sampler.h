// apps/dataset/sampler.h — minibatches of N x N patches for training, and fixed sets for evaluation.
//
// PatchSet loads one split of the patch database (patch_db.h): every image of the split
// decoded into memory as 16-bit samples (checksums verified), and the patch centres by class.
// Sampler draws balanced minibatches on the fly:
//   * exactly B/2 positives and B/2 negatives, where positive means C1..C3 for the Detector
//     ("the patch contains an MC") and C1 for the Segmentator ("the centre is MC");
//   * within each side, classes in proportion to `quota` (largest-remainder rounding), e.g.
//     the Segmentator's negatives 1:1:1 over C2, C3, C4, which oversamples the rare C2 and C3
//     against their natural frequency; a class with no patches gets no share;
//   * each patch uniformly at random within its class (with replacement), rotated by a random
//     multiple of 90 degrees and randomly mirrored (all 8 symmetries of the square keep the
//     class: the centre stays the centre and distances are Euclidean);
//   * batch t depends only on (seed, t): reproducible, and resumable with seek(t).
// Pixel normalisation (apps/imaging/normalise.h), the transform the segmentation applies at
// inference: breast-z with the breast mean and std stored in the database, or local-noise, whose
// codes are computed when the images are loaded.
// Output (nets/batch.h): x [B, 1, N, N] float, y [B] float (0/1), cls [B] (1..4, for per-class
// error tables); Sampler::where() and EvalSet::where() give each sample's image and centre
// (e.g. to show misclassified patches beside their masks).
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "apps/dataset/patch_db.h"
#include "apps/imaging/normalise.h"
#include "engine/random.h"
#include "nets/batch.h"

namespace mcseg {

enum class Task { Detector, Segmentator };
Task parse_task(const std::string& s);     // "detector" | "segmentator"
bool is_positive(Task t, int cls);         // label of class cls (1..4) for the task

class PatchSet {
public:
    // input: the pixel normalisation (apps/imaging/normalise.h) of the network it feeds.
    // hard_task: also load that task's hard examples (dataset/hard_negatives.h); "" for none.
    PatchSet(const std::string& db_path, const std::string& split, InputNorm input = InputNorm::BreastZ,
             const std::string& hard_task = "");
    int patch() const { return patch_; }
    const std::string& split() const { return split_; }
    size_t count(int cls) const { return patches_[cls].size(); }  // cls 1..4
    size_t image_count() const { return images_.size(); }
    const DbImage& image(size_t i) const { return images_[i]; }
    const DbPatch& at(int cls, size_t i) const { return patches_[cls][i]; }
    // The hard negatives loaded, all classes pooled (class, centre), and the hard positives.
    const std::vector<std::pair<uint8_t, DbPatch>>& hard() const { return hard_; }
    const std::vector<DbPatch>& hard_positives() const { return hard_positives_; }
    // The normalised patch centred on p, after rotation by rot*90 degrees (counter-clockwise) and
    // an optional left-right mirror applied first, sampled every `zoom` pixels (1: the pixels
    // themselves; otherwise bilinear, edges repeated); out has patch*patch floats.
    void extract(const DbPatch& p, int rot, bool mirror, float* out, double zoom = 1.0) const;

private:
    int patch_ = 0;
    std::string split_;
    std::vector<DbImage> images_;
    std::vector<std::unique_ptr<uint16_t[]>> pixels_;  // on transparent huge pages where possible
    PerClass<std::vector<DbPatch>> patches_;
    std::vector<std::pair<uint8_t, DbPatch>> hard_;
    std::vector<DbPatch> hard_positives_;
};

struct SamplerConfig {
    Task task = Task::Detector;
    int batch = 256;                         // even
    PerClass<double> quota{{1, 1, 1, 1}};  // relative share of each class within its side
    bool augment = true;                     // the 8 symmetries of the square
    // Intensity augmentation (each half the time, per patch): resampling by 0.8-1.25, a Gaussian
    // blur of 0.3-1 px, contrast x0.75-1.33 about the patch mean, white noise of 0.2-0.6 times the
    // patch's own pixel noise (a robust estimate from its second differences).
    bool intensity_augment = false;
    // Share of each batch's negatives drawn from the set's hard negatives (uniformly, all classes
    // pooled), and of its positives from the hard positives; 0 = none. The rest follow the quota.
    double hard_share = 0, hard_positive_share = 0;
    uint64_t seed = 1;
};

class Sampler {
public:
    Sampler(const PatchSet& set, const SamplerConfig& cfg);
    void next(Batch& b);              // fills b with batch number step(), then advances
    void seek(uint64_t step) { step_ = step; }
    // Image and centre of sample i of the batch next() made last.
    const DbPatch& where(size_t i) const { return where_[i]; }
    uint64_t step() const { return step_; }
    // Samples per class in every batch, besides the hard examples.
    const PerClass<int>& per_class() const { return per_class_; }
    int hard_per_batch() const { return hard_per_batch_; }
    int hard_positives_per_batch() const { return hard_positives_per_batch_; }

private:
    const PatchSet& set_;
    SamplerConfig cfg_;
    PerClass<int> per_class_{};
    int hard_per_batch_ = 0, hard_positives_per_batch_ = 0;
    uint64_t step_ = 0;
    std::vector<DbPatch> where_;
};

// A fixed, class-balanced evaluation set: min(per_class, available) patches of each class,
// chosen without replacement by a seeded shuffle, no augmentation; iterated in a fixed order.
class EvalSet {
public:
    EvalSet(const PatchSet& set, Task task, size_t per_class, uint64_t seed = streams::kEvalSetSeed);
    size_t size() const { return items_.size(); }
    // Items [begin, begin + count) of the set (count clipped at the end).
    void batch(size_t begin, size_t count, Batch& b) const;
    // Image and centre of item i of the set, and its class (1..4).
    const DbPatch& where(size_t i) const { return set_.at(items_[i].first, items_[i].second); }
    int cls(size_t i) const { return items_[i].first; }

private:
    const PatchSet& set_;
    Task task_;
    std::vector<std::pair<uint8_t, uint32_t>> items_;  // (class, index in class)
};

}  // namespace mcseg
