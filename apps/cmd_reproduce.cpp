// apps/cmd_reproduce.cpp — `mcseg reproduce`: the paper's study end to end on synthetic data.
//
//   1. a synthetic dataset (283 full-field mammograms, a quarter of them digitised film, as the
//      paper mixes both), split 231/25/27 by image;
//   2. one patch database per patch side N ∈ {29, 39, 49};
//   3. the Detector and the Segmentator × same/valid × N, each trained with the paper's recipe
//      (valid needs N >= 42, so N = 29 and 39 valid are reported as not constructible);
//   4. Table 1 on the test split for every network, beside the paper's figures, with the curves:
//      decided at the threshold chosen on the validation split (apps/operating_point.h); the
//      arg-max figures are in report.json too.
// Every step is resumable: existing images, databases and finished runs are kept, an
// interrupted run continues from its checkpoint. --quick does the same at toy scale (CI).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "apps/cli.h"
#include "apps/curves.h"
#include "apps/interrupt.h"
#include "apps/operating_point.h"
#include "apps/patch_db.h"
#include "apps/progress.h"
#include "apps/synth_dataset.h"
#include "apps/table1.h"
#include "apps/train_data.h"
#include "engine/error.h"

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

struct BarObserver : TrainObserver {
    Progress bar;
    int64_t first;
    int batch;
    BarObserver(const std::string& label, const Trainer& t)
        : bar(label, t.config().max_steps - t.step()), first(t.step()), batch(t.config().batch) {}
    void on_step(const StepStats& s) override {
        bar.update(s.step - first, cat("loss ", s.loss), batch, "samples/s");
    }
};

int run_reproduce(int argc, char** argv) {
    Args a(argc, argv, "mcseg reproduce --out DIR [--quick] [--device D]",
           "Reproduce the paper's study on a synthetic dataset: both networks x same/valid x\n"
           "N in {29, 39, 49}, Table 1 on the test split beside the paper, training curves, one report\n"
           "(DIR/report.md, DIR/report.json). Resumable: run it again to continue.");
    a.option("--out", "DIR", "study folder: images/, patches-nN.db, runs/, report.md");
    a.flag("--quick", "toy scale for a check (12 small images, 60 steps, width 8)");
    a.option("--device", "D", "cpu, cuda or auto", "auto");
    a.option("--seed", "S", "dataset and training seed", "1");
    a.option("--count", "K", "images (default 283; --quick 12)", "0");
    a.option("--steps", "S", "maximum training steps per network (default 6000; --quick 60)", "0");
    a.option("--filters", "F", "conv width (default 32; --quick 8)", "0");
    a.option("--patches", "LIST", "patch sides to study", "29,39,49");
    if (a.parse()) return 0;
    const bool quick = a.get_flag("--quick");
    const Device device = resolve_device(a.get("--device"));
    const uint64_t seed = uint64_t(a.get_int("--seed"));
    auto pick = [&](const char* name, long long full, long long toy) {
        long long v = a.get_int(name);
        return v > 0 ? v : quick ? toy : full;
    };
    const long long count = pick("--count", 283, 12);
    const long long steps = pick("--steps", 6000, 60);
    const int filters = int(pick("--filters", 32, 8));
    std::vector<int> sides;
    {
        std::stringstream list(a.get("--patches"));
        std::string item;
        while (std::getline(list, item, ',')) sides.push_back(std::stoi(item));
    }
    const fs::path out = a.get("--out");
    const fs::path images = out / "images";
    auto t_all = clock_type::now();
    ordered_json report{{"quick", quick}, {"seed", seed}, {"images", count}, {"device", backend_for(device).name()}};

    // 1. Images: three quarters digital, one quarter digitised film.
    auto t = clock_type::now();
    SynthConfig cfg;
    if (quick) {
        cfg.width = 1024;
        cfg.height = 1280;
    }
    const long long films = count / 4, digital = count - films;
    synth_dataset(cfg, seed, 0, digital, images.string(), false, true);
    if (films > 0) {
        cfg.film = true;
        synth_dataset(cfg, seed, digital, films, images.string(), false, true);
    }
    report["seconds_synth"] = add_seconds(out, "synth", since(t));

    // 2. One patch database per N.
    t = clock_type::now();
    for (int n : sides) {
        PatchDbOptions opt;
        opt.patch = n;
        opt.seed = seed;
        if (quick) opt.max_c3 = opt.max_c4 = 2000;
        PatchDbSummary s = build_patch_db(images.string(), (out / cat("patches-n", n, ".db")).string(), opt);
        std::fprintf(stderr, "reproduce: patches N=%d: C1 %lld C2 %lld C3 %lld C4 %lld\n", n, s.patches[1], s.patches[2],
                     s.patches[3], s.patches[4]);
    }
    report["seconds_patches"] = add_seconds(out, "patches", since(t));

    // 3 and 4. Train and evaluate every network.
    std::vector<Table1Row> rows;
    ordered_json runs = ordered_json::array();
    SigintScope sigint;
    double seconds_training = 0, seconds_evaluation = 0;
    for (const char* kind : {"detector", "segmentator"})
        for (const char* conv : {"same", "valid"})
            for (int n : sides) {
                const std::string name = cat(kind, "-n", n, "-", conv);
                NetConfig net;
                net.patch = n;
                net.same = std::string(conv) == "same";
                net.filters = filters;
                try {
                    net.validate();
                } catch (const Error& e) {
                    runs.push_back({{"run", name}, {"constructible", false}, {"reason", e.what()}});
                    continue;
                }
                const fs::path dir = out / "runs" / name;
                const fs::path done = dir / "result.json";
                DataSpec data;
                data.kind = kind;
                data.db = (out / cat("patches-n", n, ".db")).string();
                data.val_per_class = quick ? 200 : 2000;
                auto t_run = clock_type::now();
                ordered_json run{{"run", name}, {"constructible", true}};
                if (!fs::exists(done)) {
                    TrainConfig tc;
                    tc.max_steps = steps;
                    tc.seed = seed;
                    if (quick) {
                        tc.batch = 64;
                        tc.eval_every = tc.checkpoint_every = 20;
                        tc.eval_batch = 256;
                    }
                    Trainer trainer = fs::exists(dir / "checkpoint.safetensors")
                                          ? Trainer::resume(dir.string(), device)
                                          : Trainer(net, tc, dir.string(), device, data.metadata());
                    BarObserver bar(name, trainer);
                    TrainResult r = train_on_db(trainer, data, bar, sigint.flag());
                    bar.bar.finish();
                    const double trained = add_seconds(out, "train " + name, since(t_run));
                    if (r.outcome == TrainOutcome::Interrupted)
                        fail("interrupted during ", name, "; run mcseg reproduce --out ", out.string(), " again to continue");
                    if (r.outcome == TrainOutcome::Diverged) fail(name, ": ", r.message);
                    write_training_curves(trainer.log_path(), (dir / "curves.png").string(), name);
                    ordered_json res{{"outcome", outcome_name(r.outcome)}, {"steps", r.steps},
                                     {"best_step", r.best_step},       {"best_val_loss", r.best_val_loss},
                                     {"final_lr", r.final_lr},         {"seconds", trained}};
                    std::ofstream(done) << res.dump(2) << "\n";
                }
                run["training"] = nlohmann::json::parse(std::ifstream(done));
                seconds_training += run["training"].value("seconds", 0.0);
                const auto t_eval = clock_type::now();
                // The decision threshold is chosen on the validation split (apps/operating_point.h)
                // and stored in best.safetensors; the test split is scored at it and at 0.5.
                const std::string best_path = (dir / "best.safetensors").string();
                const size_t per_class = quick ? 200 : 5000;
                const double threshold =
                    calibrate_on_db(best_path, data.db, "val", per_class, device, best_path).threshold;
                Network best = load_network(best_path, device);
                std::vector<PatchOutcome> outcomes;
                const Task task = parse_task(kind);
                const EvalResult base = evaluate_on_db(best, task, data.db, "test", per_class, 7, &outcomes);
                Table1Row row{kind, conv, n, decide_at(outcomes, task, threshold, base), threshold};
                run["table1_argmax"] = table1_json({kind, conv, n, decide_at(outcomes, task, 0.5, base), 0.5});
                run["table1"] = table1_json(row);
                run["curves"] = (fs::path("runs") / name / "curves.png").string();
                seconds_evaluation += since(t_eval);
                runs.push_back(run);
                rows.push_back(row);
            }
    report["runs"] = runs;
    // Synthesis, databases and training summed over every invocation; calibration and evaluation,
    // redone by each, counted once.
    report["seconds_training"] = seconds_training;
    report["seconds_evaluation"] = seconds_evaluation;
    report["seconds_total"] = report["seconds_synth"].get<double>() + report["seconds_patches"].get<double>() +
                              seconds_training + seconds_evaluation;
    report["seconds_this_invocation"] = since(t_all);

    // The report.
    std::ofstream md(out / "report.md");
    md << "# mcseg reproduction of Valvano et al., Table 1\n\n"
       << "Synthetic dataset: " << count << " mammograms (" << digital << " digital, " << films
       << " digitised film), " << cfg.width << "x" << cfg.height << " at " << cfg.spacing_mm
       << " mm, seed " << seed << ", split by image 231/25/27 (scaled). Networks: width " << filters
       << ", at most " << steps << " steps of batch " << (quick ? 64 : 256) << ". Device: " << backend_for(device).name()
       << ".\n\nTest error rate per class and overall (class-balanced) accuracy, percent, each network deciding at"
          " the threshold it chose on the validation split (p > t; report.json also has the arg-max figures,"
          " table1_argmax); the paper's rows are for N = 49.\n\n"
       << table1_markdown(rows) << "\n";
    md << "## Runs\n\n| run | outcome | steps | best step | final lr | curves |\n| --- | --- | --- | --- | --- | --- |\n";
    for (const auto& r : runs) {
        if (!r["constructible"].get<bool>()) {
            md << "| " << r["run"].get<std::string>() << " | not constructible: " << r["reason"].get<std::string>()
               << " | | | | |\n";
            continue;
        }
        const auto& tr = r["training"];
        md << "| " << r["run"].get<std::string>() << " | " << tr["outcome"].get<std::string>() << " | " << tr["steps"]
           << " | " << tr["best_step"] << " | " << tr["final_lr"] << " | ![](" << r["curves"].get<std::string>()
           << ") |\n";
    }
    md << "\nTotal time " << format_duration(report["seconds_total"].get<double>()) << " (synthesis "
       << format_duration(report["seconds_synth"].get<double>()) << ", patch databases "
       << format_duration(report["seconds_patches"].get<double>()) << ", training "
       << format_duration(seconds_training) << ", calibration and evaluation " << format_duration(seconds_evaluation)
       << "), summed over every invocation on this folder; this one took "
       << format_duration(report["seconds_this_invocation"].get<double>()) << ".\n";
    std::ofstream(out / "report.json") << report.dump(2) << "\n";
    std::printf("%s\nreport: %s\n", table1_markdown(rows).c_str(), (out / "report.md").string().c_str());
    return 0;
}

const RegisterCommand reg{{"reproduce", "the paper's study end to end on synthetic data (Table 1, curves)", run_reproduce}};

}  // namespace
}  // namespace mcseg
