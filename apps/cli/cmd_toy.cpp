// apps/cli/cmd_toy.cpp — `mcseg toy --out DIR [--steps S] [--seed S] [--threads T]`: a short,
// self-contained training run of the paper's network on generated patches
// (apps/dataset/toy_patches.h), to show the engine learning with no data at hand.
//
// The network (N = 29, same convolutions, 16 filters) trains with the project's one training
// loop (nets/train.h: Adam, lr 1e-3, the paper's) on balanced minibatches of 32 fresh patches,
// printing the mean loss and batch accuracy every 10 steps and the accuracy on 512 held-out
// patches every 100 steps and at the end. DIR is a run folder like `mcseg train`'s: best.safetensors
// (loadable by every command that reads weights), checkpoint.safetensors, log.jsonl. Everything
// is drawn from Philox with the seed, so a run is reproducible (and, since the CPU backend's
// results do not depend on the thread count, identical for any --threads).
//
// It runs on one thread by default: a batch of 32 small patches gives each op too little work
// for a second thread to pay off much, and when the machine is busy with other work, OpenMP's
// spin-waiting threads made the run 10x slower (measured under a load average of 11: 95 s on
// two threads, 7 s on one).
#include <omp.h>

#include <cstdio>

#include "apps/cli/args.h"
#include "apps/cli/commands.h"
#include "apps/dataset/toy_patches.h"
#include "engine/error.h"

namespace mcseg {
namespace {

// Sets the OpenMP thread count for its lifetime, then restores the previous one.
struct ThreadCount {
    int previous = omp_get_max_threads();
    explicit ThreadCount(int n) { omp_set_num_threads(n); }
    ~ThreadCount() { omp_set_num_threads(previous); }
};

// Prints the mean loss and accuracy of every 10 steps, and each held-out evaluation.
struct ToyObserver : TrainObserver {
    int64_t last_step = 0;
    double loss = 0, accuracy = 0, held_out = 0;
    int window = 0;
    void on_step(const StepStats& s) override {
        loss += s.loss;
        accuracy += s.accuracy;
        ++window;
        last_step = s.step;
        if (s.step % 10) return;
        std::printf("step %5lld  loss %.4f  accuracy %.3f\n", (long long)s.step, loss / window, accuracy / window);
        std::fflush(stdout);
        loss = accuracy = 0;
        window = 0;
    }
    void on_eval(const StepStats& t, const EvalResult& v, PlateauSchedule::Action) override {
        held_out = v.accuracy;
        std::printf("step %5lld  held-out loss %.4f  accuracy %.3f\n", (long long)t.step, v.loss, v.accuracy);
    }
};

int run_toy(int argc, char** argv) {
    Args a(argc, argv, "mcseg toy --out DIR [--steps S] [--seed S] [--threads T]",
           "Train the paper's network briefly on generated patches (bright spots on a textured\n"
           "background vs background only), print the progress, save the run in DIR.");
    a.option("--out", "DIR", "run folder (created; must not hold a run already)");
    a.option("--steps", "S", "training steps (minibatches of 32)", "500");
    a.option("--seed", "S", "random seed for data, initialisation and dropout", "1");
    a.option("--threads", "T", "CPU threads (OpenMP)", "1");
    if (a.parse()) return 0;
    const long long threads = a.get_int("--threads", 1, 1024);
    const ThreadCount thread_count(static_cast<int>(threads));
    const long long steps = a.get_int("--steps", 1, 1000000), seed = a.get_int("--seed", 0, kMaxSeed);

    NetConfig cfg;
    cfg.patch = kToyPatch;
    cfg.filters = 16;
    TrainConfig tc;
    tc.batch = 32;
    tc.max_steps = steps;
    tc.eval_every = tc.checkpoint_every = 100;
    tc.seed = uint64_t(seed);
    Trainer trainer(cfg, tc, a.get("--out"), Device::CPU, {{"mcseg.kind", "toy"}});
    std::printf("toy: network %s, %lld steps of %d patches, backend %s\n", cfg.to_json().c_str(), steps, tc.batch,
                cpu_backend().name().c_str());
    ToyPatches train(tc.seed);
    ToyHeldOut held_out(tc.seed, 512);
    ToyObserver observer;
    const TrainResult r = trainer.run(train, held_out, observer);
    if (r.outcome == TrainOutcome::Diverged) fail(r.message);
    std::printf("held-out accuracy %.3f on %zu patches (chance 0.5) after %lld steps\nbest weights (step %lld): %s\n",
                observer.held_out, held_out.size(), (long long)r.steps, (long long)r.best_step,
                trainer.best_path().c_str());
    return 0;
}

const RegisterCommand reg{{"toy", "train the paper's network briefly on generated toy patches (a learning demo)", run_toy}};

}  // namespace
}  // namespace mcseg
