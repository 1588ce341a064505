// nets/train.h — the paper's training recipe.
//
// Training: Adam (lr 1e-3), minibatches of 256 drawn on the fly and balanced by a BatchSource,
// the validation loss evaluated every `eval_every` steps; the learning rate halves on a plateau
// and training stops early when the validation loss stops improving (nets/schedule.h); the best
// weights are kept. Everything a run needs to continue is in its folder:
//   checkpoint.safetensors  weights + running stats + Adam state; metadata: step, schedule,
//                           configs (written atomically every `checkpoint_every` steps and at exit)
//   best.safetensors        the weights of the best validation loss (+ the network config), the
//                           file `mcseg eval` and `mcseg segment` read
//   log.jsonl               one JSON object per evaluation
// (nets/run_folder.h: the lock that keeps one writer per folder, the log cut back to the
// checkpoint on resume, checked appends.)
// Resuming reloads checkpoint.safetensors and continues bit-identically on the CPU: minibatch s
// and dropout stream s are pure functions of (seed, s), so no generator state needs saving.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/optim.h"
#include "nets/batch.h"
#include "nets/evaluate.h"
#include "nets/network.h"
#include "nets/run_folder.h"
#include "nets/schedule.h"

namespace mcseg {

// Training minibatches: batch `step` must depend only on (the source's seed, step).
class BatchSource {
public:
    virtual ~BatchSource() = default;
    virtual int patch() const = 0;
    virtual void train_batch(int64_t step, int batch_size, Batch& out) = 0;
};

struct TrainConfig {
    int batch = 256;
    int64_t max_steps = 20000;
    int eval_every = 250;
    int checkpoint_every = 250;
    double lr = 1e-3;
    PlateauConfig plateau;
    uint64_t seed = 1;          // network init and dropout
    int eval_batch = 1024;
    std::string to_json() const;
    static TrainConfig from_json(const std::string& json);
};

struct StepStats {
    int64_t step = 0;            // steps done
    double loss = 0, accuracy = 0, lr = 0;
    double samples_per_s = 0;
};

// What a front end shows: progress bar, log lines, curves. Default: nothing.
class TrainObserver {
public:
    virtual ~TrainObserver() = default;
    virtual void on_step(const StepStats&) {}
    // train: mean loss/accuracy over the steps since the previous evaluation.
    virtual void on_eval(const StepStats& /*train*/, const EvalResult& /*val*/, PlateauSchedule::Action) {}
};

enum class TrainOutcome { Finished, EarlyStopped, Interrupted, Diverged };
const char* outcome_name(TrainOutcome o);

struct TrainResult {
    TrainOutcome outcome = TrainOutcome::Finished;
    int64_t steps = 0;
    double best_val_loss = 0;
    int64_t best_step = -1;
    double final_lr = 0;
    std::string message;  // e.g. why training diverged
};

class Trainer {
public:
    // A new run in `dir` (created; refuses a folder that already holds a checkpoint).
    Trainer(const NetConfig& net, const TrainConfig& train, const std::string& dir, Device device,
            const std::map<std::string, std::string>& extra_metadata = {});
    // Continues the run saved in `dir`.
    static Trainer resume(const std::string& dir, Device device);

    // Trains until max_steps, early stopping, divergence (NaN/Inf loss: the last good checkpoint
    // is kept, nothing newer is written) or *stop becoming true (e.g. on SIGINT: the checkpoint
    // is saved first).
    TrainResult run(BatchSource& train, EvalSource& validation, TrainObserver& observer,
                    const std::atomic<bool>* stop = nullptr);

    // Starts from the weights in `path` (a weights file of the same architecture) instead of the
    // random initialisation, for fine-tuning; the optimiser state stays fresh. Before run().
    void init_from(const std::string& path);

    Network& network() { return net_; }
    const TrainConfig& config() const { return cfg_; }
    void set_max_steps(int64_t steps) { cfg_.max_steps = steps; }  // e.g. to extend a resumed run
    int64_t step() const { return step_; }
    int64_t best_step() const { return best_step_; }
    std::string checkpoint_path() const { return folder_.checkpoint_path(); }
    std::string best_path() const { return folder_.best_path(); }
    std::string log_path() const { return folder_.log_path(); }

private:
    Trainer(const NetConfig& net, const TrainConfig& train, std::string dir, Device device,
            std::map<std::string, std::string> extra_metadata, bool fresh, int64_t log_step);
    // One training step on minibatch step_ (st gets its figures); false when the loss diverged
    // (result says so, nothing is updated).
    bool train_step(BatchSource& train, Batch& b, StepStats& st, TrainResult& result);
    // Validation after a step: schedule, best weights, a log line, the observer; returns the
    // schedule's verdict. avg: the training figures since the last validation.
    PlateauSchedule::Action validate(EvalSource& validation, const StepStats& avg, TrainObserver& observer);
    void save_checkpoint();
    void save_best();
    std::map<std::string, std::string> weights_metadata() const;

    TrainConfig cfg_;
    RunFolder folder_;  // locked while the trainer lives
    std::map<std::string, std::string> extra_;
    Network net_;
    Adam adam_;
    PlateauSchedule schedule_;
    int64_t step_ = 0;
    int64_t best_step_ = -1;  // step of the best validation loss
};

}  // namespace mcseg
