// apps/study/study.cpp — running the study (see study.h); report.cpp writes its report.
#include "apps/study/study.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "apps/dataset/batch_sources.h"
#include "apps/dataset/patch_db.h"
#include "apps/draw/training_curves.h"
#include "apps/evaluation/threshold.h"
#include "apps/study/report.h"
#include "apps/synth/dataset.h"
#include "apps/terminal/interrupt.h"
#include "apps/terminal/progress.h"
#include "engine/error.h"
#include "nets/weights.h"

namespace mcseg {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;
using clock_type = std::chrono::steady_clock;

double since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

// Adds `seconds` to `phase` in DIR/seconds.json and returns the phase's sum over every invocation
// on this folder, so a resumed study still reports what the whole of it cost.
double add_seconds(const fs::path& out, const std::string& phase, double seconds) {
    const fs::path file = out / "seconds.json";
    nlohmann::json j = nlohmann::json::object();
    if (fs::exists(file)) {
        try {
            j = nlohmann::json::parse(std::ifstream(file));
        } catch (const nlohmann::json::exception& e) {
            fail("'", file.string(), "' is not the JSON mcseg reproduce writes: ", e.what());
        }
    }
    j[phase] = j.value(phase, 0.0) + seconds;
    std::ofstream f(file);
    f << j.dump(2) << "\n";
    if (!f) fail("cannot write '", file.string(), "'");
    return j[phase].get<double>();
}

// The study at its scale: options with the defaults of a full or a quick study filled in.
StudyOptions at_scale(StudyOptions o) {
    auto pick = [&](long long v, long long full, long long toy) { return v > 0 ? v : o.quick ? toy : full; };
    o.count = pick(o.count, 283, 12);
    o.steps = pick(o.steps, 6000, 60);
    o.filters = int(pick(o.filters, 32, 8));
    return o;
}

std::string database(const StudyOptions& o, int n) { return (fs::path(o.out) / cat("patches-n", n, ".db")).string(); }

// 1. Images: three quarters digital, one quarter digitised film.
SynthConfig make_images(const StudyOptions& o) {
    SynthConfig cfg;
    if (o.quick) {
        cfg.width = 1024;
        cfg.height = 1280;
    }
    const std::string images = (fs::path(o.out) / "images").string();
    const long long films = o.count / 4, digital = o.count - films;
    synth_dataset(cfg, o.seed, 0, digital, images, false, true);
    if (films > 0) {
        cfg.film = true;
        synth_dataset(cfg, o.seed, digital, films, images, false, true);
    }
    return cfg;
}

// 2. One patch database per N.
void make_databases(const StudyOptions& o) {
    for (int n : o.sides) {
        PatchDbOptions opt;
        opt.patch = n;
        opt.seed = o.seed;
        if (o.quick) opt.max_c3 = opt.max_c4 = 2000;
        PatchDbSummary s = build_patch_db((fs::path(o.out) / "images").string(), database(o, n), opt);
        std::fprintf(stderr, "reproduce: patches N=%d: C1 %lld C2 %lld C3 %lld C4 %lld\n", n, s.patches[1], s.patches[2],
                     s.patches[3], s.patches[4]);
    }
}

struct BarObserver : TrainObserver {
    Progress bar;
    int64_t first;
    int batch;
    BarObserver(const std::string& label, const Trainer& t)
        : bar(label, t.config().max_steps - t.step()), first(t.step()), batch(t.config().batch) {}
    void on_step(const StepStats& s) override { bar.update(s.step - first, cat("loss ", s.loss), batch, "samples/s"); }
};

// 3. Trains one network in DIR/runs/NAME unless it has finished (result.json), resuming from its
// checkpoint; returns its result.json.
ordered_json train_network(const StudyOptions& o, const std::string& name, const NetConfig& net, const DataSpec& data,
                           const InterruptScope& interrupt) {
    const fs::path dir = fs::path(o.out) / "runs" / name, done = dir / "result.json";
    if (!fs::exists(done)) {
        const auto t = clock_type::now();
        TrainConfig tc;
        tc.max_steps = o.steps;
        tc.seed = o.seed;
        if (o.quick) {
            tc.batch = 64;
            tc.eval_every = tc.checkpoint_every = 20;
            tc.eval_batch = 256;
        }
        Trainer trainer = fs::exists(dir / "checkpoint.safetensors")
                              ? Trainer::resume(dir.string(), o.device)
                              : Trainer(net, tc, dir.string(), o.device, data.metadata());
        BarObserver bar(name, trainer);
        TrainResult r = train_on_db(trainer, data, bar, interrupt.flag());
        bar.bar.finish();
        const double trained = add_seconds(o.out, "train " + name, since(t));
        if (r.outcome == TrainOutcome::Interrupted)
            fail("interrupted during ", name, "; run mcseg reproduce --out ", o.out, " again to continue");
        if (r.outcome == TrainOutcome::Diverged) fail(name, ": ", r.message);
        write_training_curves(trainer.log_path(), (dir / "curves.png").string(), name);
        ordered_json res{{"outcome", outcome_name(r.outcome)}, {"steps", r.steps},
                         {"best_step", r.best_step},       {"best_val_loss", r.best_val_loss},
                         {"final_lr", r.final_lr},         {"seconds", trained}};
        std::ofstream(done) << res.dump(2) << "\n";
    }
    return nlohmann::json::parse(std::ifstream(done));
}

// 4. Calibrates a trained network on the validation split (apps/evaluation/threshold.h), storing
// the threshold in its best.safetensors, and scores the test split at it and at 0.5.
Table1Eval evaluate_network(const StudyOptions& o, const std::string& name, const DataSpec& data) {
    const std::string best = (fs::path(o.out) / "runs" / name / "best.safetensors").string();
    const size_t per_class = o.quick ? 200 : 5000;
    const double threshold = calibrate_on_db(best, data.db, "val", per_class, o.device, best).threshold;
    Network net = load_network(best, o.device);
    return table1_on_db(net, data.kind, data.db, "test", per_class, threshold);
}

}  // namespace

std::vector<Table1Row> run_study(const StudyOptions& options) {
    const StudyOptions o = at_scale(options);
    const auto t_all = clock_type::now();
    StudyReport report;
    report.options = o;
    auto t = clock_type::now();
    report.synth = make_images(o);
    report.seconds_synth = add_seconds(o.out, "synth", since(t));
    t = clock_type::now();
    make_databases(o);
    report.seconds_patches = add_seconds(o.out, "patches", since(t));

    InterruptScope interrupt;
    for (const char* kind : {"detector", "segmentator"})
        for (const char* conv : {"same", "valid"})
            for (int n : o.sides) {
                StudyRun run;
                run.name = cat(kind, "-n", n, "-", conv);
                NetConfig net;
                net.patch = n;
                net.same = std::string(conv) == "same";
                net.filters = o.filters;
                try {
                    net.validate();
                } catch (const Error& e) {
                    run.not_constructible = e.what();
                    report.runs.push_back(run);
                    continue;
                }
                DataSpec data;
                data.kind = kind;
                data.db = database(o, n);
                data.val_per_class = o.quick ? 200 : 2000;
                run.training = train_network(o, run.name, net, data, interrupt);
                report.seconds_training += run.training.value("seconds", 0.0);
                const auto t_eval = clock_type::now();
                run.table1 = evaluate_network(o, run.name, data);
                report.seconds_evaluation += since(t_eval);
                report.runs.push_back(run);
            }
    report.seconds_this_invocation = since(t_all);
    write_study_report(report);
    return report.rows();
}

}  // namespace mcseg
