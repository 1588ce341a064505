// apps/cli/cmd_train.cpp — `mcseg train`: the paper's training recipe on a patch database.
// nets/train.h does the work; this file wires the sampler, Ctrl-C, the terminal and the curves.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "apps/cli/args.h"
#include "apps/cli/commands.h"
#include "apps/draw/training_curves.h"
#include "apps/terminal/interrupt.h"
#include "apps/terminal/progress.h"
#include "apps/dataset/batch_sources.h"
#include "apps/dataset/patch_db.h"
#include "apps/imaging/normalise.h"
#include "engine/error.h"
#include "engine/safetensors.h"

namespace mcseg {
namespace {

std::string fixed(double v, int digits) {
    char b[32];
    std::snprintf(b, sizeof b, "%.*f", digits, v);
    return b;
}

std::string percent(double fraction) { return std::isnan(fraction) ? "-" : fixed(100 * fraction, 2) + "%"; }

// A progress bar per step, one line per evaluation, and the curves picture redrawn from the log.
struct TerminalObserver : TrainObserver {
    TerminalObserver(const Trainer& t, std::string title)
        : bar("train", t.config().max_steps - t.step()), first(t.step()), batch(t.config().batch),
          log(t.log_path()), png((std::filesystem::path(t.log_path()).parent_path() / "curves.png").string()),
          title(std::move(title)) {}
    void on_step(const StepStats& s) override {
        bar.update(s.step - first, cat("step ", s.step, "  loss ", fixed(s.loss, 4), "  acc ", fixed(100 * s.accuracy, 1), "%"),
                   batch, "samples/s");
    }
    void on_eval(const StepStats& t, const EvalResult& v, PlateauSchedule::Action a) override {
        std::fprintf(stderr, "\nstep %lld  lr %.3g  train loss %.4f acc %.2f%%  val loss %.4f acc %.2f%%  "
                     "error C1 %s C2 %s C3 %s C4 %s  (%s)\n",
                     (long long)t.step, t.lr, t.loss, 100 * t.accuracy, v.loss, 100 * v.accuracy,
                     percent(v.class_error[kC1]).c_str(), percent(v.class_error[kC2]).c_str(),
                     percent(v.class_error[kC3]).c_str(), percent(v.class_error[kC4]).c_str(), action_name(a));
        write_training_curves(log, png, title);
    }
    Progress bar;
    int64_t first;
    int batch;
    std::string log, png, title;
};

// --resume DIR: the run and its data as its checkpoint says (--db when the database moved,
// --steps to extend it); any other option is an error, not silently ignored.
std::unique_ptr<Trainer> resume_run(const Args& a, Device device, DataSpec& data) {
    for (const std::string& name : a.given_options())
        if (name != "--resume" && name != "--db" && name != "--steps" && name != "--device")
            fail("--resume continues a run as its checkpoint says; ", name,
                 " cannot change it (only --db, --steps and --device can)");
    const std::string dir = a.get("--resume");
    auto trainer = std::make_unique<Trainer>(Trainer::resume(dir, device));
    data = DataSpec::from_metadata(load_safetensors(trainer->checkpoint_path()).metadata, trainer->checkpoint_path());
    if (a.given("--db")) data.db = a.get("--db");
    if (a.given("--steps")) trainer->set_max_steps(a.get_int("--steps", 1, 1000000000));
    return trainer;
}

// A new run from the options, its data checked before the run folder is created.
std::unique_ptr<Trainer> new_run(const Args& a, Device device, DataSpec& data) {
    if (!a.given("--db") || !a.given("--out")) fail("--db and --out are required (or --resume DIR)");
    NetConfig net;
    net.patch = int(a.get_int("--patch", 3, 4096));
    std::string conv = a.get("--conv");
    if (conv != "same" && conv != "valid") fail("--conv must be same or valid, not '", conv, "'");
    net.same = conv == "same";
    net.filters = int(a.get_int("--filters", 1, 4096));
    net.input = a.get("--input");
    a.parsed("--input", parse_input_norm);
    net.validate();
    TrainConfig tc;
    tc.batch = int(a.get_int("--batch", 2, 65536));
    tc.max_steps = a.get_int("--steps", 1, 1000000000);
    tc.eval_every = tc.checkpoint_every = int(a.get_int("--eval-every", 1, 1000000000));
    tc.lr = a.get_double("--lr", 1e-9, 10);
    tc.plateau.patience = int(a.get_int("--patience", 1, 1000000));
    tc.plateau.stop_patience = int(a.get_int("--stop-patience", 1, 1000000));
    tc.seed = uint64_t(a.get_int("--seed", 0, kMaxSeed));
    data.kind = a.get("--net");
    data.db = a.get("--db");
    data.quota = a.get("--quota");
    data.val_per_class = size_t(a.get_int("--val-per-class", 1, 100000000));
    data.hard_share = a.get_double("--hard-share", 0, 1);
    data.hard_positive_share = a.get_double("--hard-positive-share", 0, 1);
    data.intensity_augment = a.get_flag("--intensity-augment");
    a.parsed("--net", parse_task);
    a.parsed("--quota", parse_quota);
    const PatchDbReader db(data.db);
    check_patch_side(net, db.patch(), "the patch database '" + data.db + "'");
    net.spacing_mm = db.median_spacing("train");
    auto trainer = std::make_unique<Trainer>(net, tc, a.get("--out"), device, data.metadata());
    if (a.given("--init")) trainer->init_from(a.get("--init"));
    return trainer;
}

int run_train(int argc, char** argv) {
    Args a(argc, argv,
           "mcseg train --net detector|segmentator --patch N --conv same|valid --db FILE --out DIR [options]\n"
           "       mcseg train --resume DIR [--steps S] [--device D]",
           "Train the Detector or the Segmentator with the paper's recipe: Adam (lr 1e-3), balanced\n"
           "on-the-fly minibatches with rotations and flips, the learning rate halved when the\n"
           "validation loss plateaus, early stopping on the best validation loss. Ctrl-C saves a\n"
           "checkpoint and exits; --resume continues exactly where the run stopped.");
    a.option("--net", "KIND", "detector (C1..C3 positive) or segmentator (C1 positive)", "detector");
    a.option("--patch", "N", "patch side; must match the database", "49");
    a.option("--conv", "MODE", "same (zero padding) or valid", "same");
    a.option("--filters", "F", "channels of every conv layer", "32");
    a.option("--input", "NORM", "pixel normalisation: breast-z or local-noise (apps/imaging/normalise.h)", "breast-z");
    a.option("--db", "FILE", "patch database made by mcseg patches (required for a new run)", "-");
    a.option("--out", "DIR", "run folder: checkpoints, best weights, log, curves (new run)", "-");
    a.option("--resume", "DIR", "continue the run saved in DIR", "-");
    a.option("--device", "D", "cpu, cuda or auto", "auto");
    a.option("--steps", "S", "maximum training steps", "20000");
    a.option("--batch", "B", "minibatch size (even)", "256");
    a.option("--lr", "LR", "initial learning rate", "0.001");
    a.option("--eval-every", "K", "steps between validations (and checkpoints)", "250");
    a.option("--patience", "P", "validations without improvement before the learning rate halves", "4");
    a.option("--stop-patience", "P", "validations without improvement before stopping early", "12");
    a.option("--val-per-class", "M", "validation patches per class (class-balanced)", "2000");
    a.option("--quota", "Q", "class shares within each side of the balance, c1,c2,c3,c4", "1,1,1,1");
    a.option("--seed", "S", "seed of the initialisation, dropout and minibatches", "1");
    a.option("--hard-share", "F", "share of each batch's negatives drawn from the hard negatives (mcseg mine)", "0");
    a.option("--hard-positive-share", "F", "share of each batch's positives drawn from the hard positives (mcseg mine)", "0");
    a.flag("--intensity-augment", "also resample, blur, rescale contrast and add noise to patches");
    a.option("--init", "FILE", "start from these weights (same architecture; fresh optimiser)", "-");
    if (a.parse()) return 0;
    if (!a.positionals().empty()) fail("unexpected argument '", a.positionals()[0], "'");
    const Device device = resolve_device(a.get("--device"));
    DataSpec data;
    std::unique_ptr<Trainer> trainer =
        a.given("--resume") ? resume_run(a, device, data) : new_run(a, device, data);
    const NetConfig& nc = trainer->network().config();
    std::string title = cat(data.kind, "  N=", nc.patch, " ", nc.same ? "same" : "valid", "  width ", nc.filters);
    std::fprintf(stderr, "mcseg train: %s on %s; device %s\n", title.c_str(), data.db.c_str(),
                 backend_for(trainer->network().device()).name().c_str());

    TerminalObserver observer(*trainer, title);
    TrainResult r;
    int interrupted_status = 0;
    {
        InterruptScope interrupt;
        r = train_on_db(*trainer, data, observer, interrupt.flag());
        interrupted_status = interrupt.exit_status();
    }
    observer.bar.finish();
    if (r.outcome == TrainOutcome::Diverged) fail(r.message);
    std::string dir = std::filesystem::path(trainer->log_path()).parent_path().string();
    if (r.outcome == TrainOutcome::Interrupted) {
        std::fprintf(stderr, "mcseg train: interrupted at step %lld; checkpoint saved; continue with: mcseg train --resume %s\n",
                     (long long)r.steps, dir.c_str());
        return interrupted_status;
    }
    std::printf("%s after %lld steps; best validation loss %.4f at step %lld; final lr %.3g\n"
                "weights: %s\ncheckpoint: %s\nlog: %s\ncurves: %s/curves.png\n"
                "next: mcseg calibrate --weights %s --db %s (the decision threshold, on the validation split)\n",
                outcome_name(r.outcome), (long long)r.steps, r.best_val_loss, (long long)r.best_step, r.final_lr,
                trainer->best_path().c_str(), trainer->checkpoint_path().c_str(), trainer->log_path().c_str(), dir.c_str(),
                trainer->best_path().c_str(), data.db.c_str());
    return 0;
}

const RegisterCommand reg{{"train", "train the Detector or the Segmentator on a patch database", run_train}};

}  // namespace
}  // namespace mcseg
