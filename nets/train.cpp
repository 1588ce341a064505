// nets/train.cpp — training loop and checkpoints (see train.h).
#include "nets/train.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/error.h"
#include "engine/ops.h"
#include "engine/safetensors.h"
#include "nets/weights.h"

namespace mcseg {

namespace fs = std::filesystem;
using nlohmann::json;

const char* outcome_name(TrainOutcome o) {
    switch (o) {
        case TrainOutcome::Finished: return "finished";
        case TrainOutcome::EarlyStopped: return "early-stopped";
        case TrainOutcome::Interrupted: return "interrupted";
        case TrainOutcome::Diverged: return "diverged";
    }
    return "?";
}

std::string TrainConfig::to_json() const {
    return json{{"batch", batch},
                {"max_steps", max_steps},
                {"eval_every", eval_every},
                {"checkpoint_every", checkpoint_every},
                {"lr", lr},
                {"seed", seed},
                {"eval_batch", eval_batch},
                {"plateau",
                 {{"patience", plateau.patience},
                  {"factor", plateau.factor},
                  {"threshold", plateau.threshold},
                  {"stop_patience", plateau.stop_patience},
                  {"min_lr", plateau.min_lr}}}}
        .dump();
}

TrainConfig TrainConfig::from_json(const std::string& text) {
    TrainConfig c;
    try {
        json j = json::parse(text);
        c.batch = j.value("batch", c.batch);
        c.max_steps = j.value("max_steps", c.max_steps);
        c.eval_every = j.value("eval_every", c.eval_every);
        c.checkpoint_every = j.value("checkpoint_every", c.checkpoint_every);
        c.lr = j.value("lr", c.lr);
        c.seed = j.value("seed", c.seed);
        c.eval_batch = j.value("eval_batch", c.eval_batch);
        if (j.contains("plateau")) {
            const json& p = j["plateau"];
            c.plateau.patience = p.value("patience", c.plateau.patience);
            c.plateau.factor = p.value("factor", c.plateau.factor);
            c.plateau.threshold = p.value("threshold", c.plateau.threshold);
            c.plateau.stop_patience = p.value("stop_patience", c.plateau.stop_patience);
            c.plateau.min_lr = p.value("min_lr", c.plateau.min_lr);
        }
    } catch (const json::exception& e) {
        fail("bad training config JSON: ", e.what());
    }
    return c;
}

// The run's settings are checked before its folder is touched.
static const TrainConfig& checked(const TrainConfig& c, const NetConfig& net) {
    net.validate();
    if (c.batch < 2) fail("batch size must be at least 2 (batch norm needs a batch), got ", c.batch);
    if (c.eval_every < 1 || c.checkpoint_every < 1) fail("eval and checkpoint intervals must be >= 1");
    if (c.max_steps < 1) fail("the number of training steps must be >= 1, got ", c.max_steps);
    return c;
}

Trainer::Trainer(const NetConfig& net, const TrainConfig& train, const std::string& dir, Device device,
                 const std::map<std::string, std::string>& extra_metadata)
    : Trainer(net, train, dir, device, extra_metadata, true, 0) {}

Trainer::Trainer(const NetConfig& net, const TrainConfig& train, std::string dir, Device device,
                 std::map<std::string, std::string> extra_metadata, bool fresh, int64_t log_step)
    : cfg_(checked(train, net)), folder_(std::move(dir), fresh, log_step), extra_(std::move(extra_metadata)),
      net_(net, train.seed, device), adam_(net_.parameter_tensors(), float(train.lr)),
      schedule_(train.plateau, train.lr) {}

std::map<std::string, std::string> Trainer::weights_metadata() const {
    auto m = extra_;
    m["mcseg.net"] = net_.config().to_json();
    m["mcseg.step"] = std::to_string(step_);
    return m;
}

void Trainer::save_checkpoint() {
    auto tensors = named_state(net_);
    for (auto& p : adam_.state_tensors(net_.parameter_names())) tensors.push_back(std::move(p));
    auto meta = weights_metadata();
    for (auto& [k, v] : adam_.state_metadata()) meta[k] = v;
    meta["mcseg.train"] = cfg_.to_json();
    meta["mcseg.schedule"] = schedule_.to_json();
    meta["mcseg.best_step"] = std::to_string(best_step_);
    save_safetensors(checkpoint_path(), tensors, meta);
}

void Trainer::save_best() {
    save_network(best_path(), net_, weights_metadata());
}

static bool reserved_key(const std::string& k) {
    return k == "mcseg.net" || k == "mcseg.step" || checkpoint_only_key(k);
}

// An integer of a checkpoint's metadata, checked (std::stoll would take "12abc" or throw its own).
static int64_t metadata_int(const SafeTensorsFile& f, const std::string& key) {
    const std::string& v = f.metadata.at(key);
    int64_t x = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc() || end != v.data() + v.size() || x < -1)
        fail("'", f.path, "': metadata ", key, " is '", v, "', not a step");
    return x;
}

Trainer Trainer::resume(const std::string& dir, Device device) {
    const std::string path = RunFolder::checkpoint_of(dir);
    if (!fs::exists(path)) fail("nothing to resume: '", path, "' does not exist");
    SafeTensorsFile f = load_safetensors(path);
    for (const char* key : {"mcseg.net", "mcseg.train", "mcseg.schedule", "mcseg.step"})
        if (!f.metadata.count(key)) fail("'", path, "' is not an mcseg checkpoint (no ", key, " metadata)");
    // Everything but the trainer's own keys is the caller's extra metadata (e.g. mcseg.kind).
    std::map<std::string, std::string> extra;
    for (const auto& [k, v] : f.metadata)
        if (!reserved_key(k)) extra[k] = v;
    const int64_t step = metadata_int(f, "mcseg.step");
    Trainer t(NetConfig::from_json(f.metadata.at("mcseg.net")), TrainConfig::from_json(f.metadata.at("mcseg.train")),
              dir, device, extra, false, step);
    load_into(f, t.net_.state(), /*allow_extra=*/true);
    t.adam_.load_state(f, t.net_.parameter_names());
    t.schedule_.load_json(f.metadata.at("mcseg.schedule"));
    t.step_ = step;
    if (f.metadata.count("mcseg.best_step")) t.best_step_ = metadata_int(f, "mcseg.best_step");
    return t;
}

void Trainer::init_from(const std::string& path) {
    SafeTensorsFile f = load_safetensors(path);
    auto it = f.metadata.find("mcseg.net");
    if (it == f.metadata.end()) fail("'", path, "' holds no mcseg network config (metadata mcseg.net)");
    const std::string theirs = NetConfig::from_json(it->second).to_json(), ours = net_.config().to_json();
    if (theirs != ours) fail("'", path, "' holds the network ", theirs, ", not this run's ", ours);
    load_into(f, net_.state(), /*allow_extra=*/true);
}

bool Trainer::train_step(BatchSource& train, Batch& b, StepStats& st, TrainResult& result) {
    train.train_batch(step_, cfg_.batch, b);
    Tensor x, y, probs;
    upload(b, net_.device(), x, y);
    Tensor loss = ops::softmax_cross_entropy(net_.forward(x, true, uint64_t(step_)), y, &probs);
    const float l = loss.item();
    if (!std::isfinite(l)) {
        result.outcome = TrainOutcome::Diverged;
        result.message = cat("the training loss became ", l, " at step ", step_ + 1, "; ",
                             fs::exists(checkpoint_path()) ? "the last good checkpoint is kept in " + checkpoint_path()
                                                           : std::string("no checkpoint had been written yet"));
        return false;
    }
    loss.backward();
    adam_.step();
    adam_.zero_grad();
    ++step_;
    st.step = step_;
    st.loss = l;
    st.accuracy = double(count_correct(probs.to_host(), b.y, 2)) / b.size;
    st.lr = adam_.lr;
    return true;
}

PlateauSchedule::Action Trainer::validate(EvalSource& validation, const StepStats& avg, TrainObserver& observer) {
    EvalResult v = evaluate(net_, validation, cfg_.eval_batch);
    auto action = schedule_.observe(v.loss);
    if (action == PlateauSchedule::Action::Improved) {
        best_step_ = step_;
        save_best();
    }
    if (action == PlateauSchedule::Action::HalveLr) adam_.lr = float(schedule_.lr());
    json line{{"step", step_},
              {"lr", avg.lr},
              {"train_loss", avg.loss},
              {"train_accuracy", avg.accuracy},
              {"val_loss", v.loss},
              {"val_accuracy", v.accuracy},
              {"val_class_error", json::array()},
              {"action", action_name(action)},
              {"samples_per_s", avg.samples_per_s}};
    for (double e : v.class_error) line["val_class_error"].push_back(std::isfinite(e) ? json(e) : json(nullptr));
    folder_.append_log(line.dump());
    observer.on_eval(avg, v, action);
    return action;
}

TrainResult Trainer::run(BatchSource& train, EvalSource& validation, TrainObserver& observer,
                         const std::atomic<bool>* stop) {
    check_patch_side(net_.config(), train.patch(), "the training data");
    check_patch_side(net_.config(), validation.patch(), "the validation data");
    using clock = std::chrono::steady_clock;
    TrainResult result;
    StepStats sum;  // of the steps since the last validation
    int steps_since_eval = 0;
    const auto start = clock::now();
    const int64_t first_step = step_;
    Batch b;
    while (step_ < cfg_.max_steps) {
        if (stop && stop->load()) {
            save_checkpoint();
            result.outcome = TrainOutcome::Interrupted;
            break;
        }
        StepStats st;
        if (!train_step(train, b, st, result)) break;
        const double elapsed = std::chrono::duration<double>(clock::now() - start).count();
        st.samples_per_s = elapsed > 0 ? double(step_ - first_step) * cfg_.batch / elapsed : 0;
        sum.loss += st.loss;
        sum.accuracy += st.accuracy;
        ++steps_since_eval;
        observer.on_step(st);

        bool stop_now = false;
        if (step_ % cfg_.eval_every == 0 || step_ == cfg_.max_steps) {
            StepStats avg = st;  // the mean loss and accuracy since the last validation
            avg.loss = sum.loss / steps_since_eval;
            avg.accuracy = sum.accuracy / steps_since_eval;
            stop_now = validate(validation, avg, observer) == PlateauSchedule::Action::Stop;
            if (stop_now) result.outcome = TrainOutcome::EarlyStopped;
            sum = StepStats{};
            steps_since_eval = 0;
        }
        if (stop_now || step_ % cfg_.checkpoint_every == 0 || step_ == cfg_.max_steps) save_checkpoint();
        if (stop_now) break;
    }
    result.steps = step_;
    result.best_val_loss = schedule_.best_loss();
    result.best_step = best_step_;
    result.final_lr = adam_.lr;
    return result;
}

}  // namespace mcseg
