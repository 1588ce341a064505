// nets/train.cpp — training loop, checkpoints and evaluation (see train.h).
#include "nets/train.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/error.h"
#include "engine/ops.h"
#include "engine/safetensors.h"

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

// Uploads a host batch as x [n, 1, p, p] and labels [n].
static void upload(const Batch& b, Device d, Tensor& x, Tensor& y) {
    if (b.size <= 0 || b.x.size() != size_t(b.size) * b.patch * b.patch || b.y.size() != size_t(b.size))
        fail("batch: inconsistent sizes (n ", b.size, ", patch ", b.patch, ", ", b.x.size(), " pixels, ",
             b.y.size(), " labels)");
    x = Tensor::from_host({b.size, 1, b.patch, b.patch}, b.x, d);
    y = Tensor::from_host({b.size}, b.y, d);
}

// Fraction of rows whose arg-max probability is the label (probs [n, 2] on the host).
static int count_correct(const std::vector<float>& probs, const std::vector<float>& labels, int k,
                         std::vector<bool>* correct = nullptr) {
    int n = int(labels.size()), hits = 0;
    if (correct) correct->assign(n, false);
    for (int i = 0; i < n; ++i) {
        int best = 0;
        for (int c = 1; c < k; ++c)
            if (probs[size_t(i) * k + c] > probs[size_t(i) * k + best]) best = c;
        bool ok = best == int(labels[i]);
        hits += ok;
        if (correct) (*correct)[i] = ok;
    }
    return hits;
}

EvalResult evaluate(Network& net, EvalSource& data, int batch_size, std::vector<ItemOutcome>* items) {
    if (data.patch() != net.config().patch)
        fail("evaluation data has patch side ", data.patch(), " but the network expects ", net.config().patch);
    if (data.size() == 0) fail("evaluation set is empty");
    if (items) items->clear();
    NoGradGuard no_grad;
    EvalResult r;
    std::array<int64_t, 4> wrong{};
    double loss_sum = 0;
    Batch b;
    for (size_t begin = 0; begin < data.size(); begin += batch_size) {
        size_t count = std::min(size_t(batch_size), data.size() - begin);
        data.get(begin, count, b);
        Tensor x, y, probs;
        upload(b, net.device(), x, y);
        Tensor loss = ops::softmax_cross_entropy(net.forward(x, false), y, &probs);
        loss_sum += double(loss.item()) * b.size;
        std::vector<bool> correct;
        const std::vector<float> host = probs.to_host();
        int hits = count_correct(host, b.y, probs.dim(1), &correct);
        if (items)
            for (int i = 0; i < b.size; ++i) items->push_back({host[size_t(i) * probs.dim(1) + 1], correct[i]});
        r.accuracy += hits;
        for (int i = 0; i < b.size; ++i) {
            int c = b.cls.empty() ? 0 : b.cls[i];
            if (c < 1 || c > 4) continue;
            ++r.class_count[c - 1];
            wrong[c - 1] += !correct[i];
        }
        r.samples += b.size;
    }
    r.loss = loss_sum / double(r.samples);
    r.accuracy /= double(r.samples);
    for (int c = 0; c < 4; ++c)
        r.class_error[c] = r.class_count[c] ? double(wrong[c]) / double(r.class_count[c]) : std::nan("");
    return r;
}

Trainer::Trainer(const NetConfig& net, const TrainConfig& train, const std::string& dir, Device device,
                 const std::map<std::string, std::string>& extra_metadata)
    : Trainer(net, train, dir, device, extra_metadata, true) {}

Trainer::Trainer(const NetConfig& net, const TrainConfig& train, std::string dir, Device device,
                 std::map<std::string, std::string> extra_metadata, bool fresh)
    : cfg_(train), dir_(std::move(dir)), extra_(std::move(extra_metadata)), net_(net, train.seed, device),
      adam_(net_.parameter_tensors(), float(train.lr)), schedule_(train.plateau, train.lr) {
    if (cfg_.batch < 2) fail("batch size must be at least 2 (batch norm needs a batch), got ", cfg_.batch);
    if (cfg_.eval_every < 1 || cfg_.checkpoint_every < 1) fail("eval and checkpoint intervals must be >= 1");
    if (fresh) {
        std::error_code ec;
        fs::create_directories(dir_, ec);
        if (ec) fail("cannot create output folder '", dir_, "': ", ec.message());
        if (fs::exists(checkpoint_path()))
            fail("'", dir_, "' already holds a training run; continue it with --resume ", dir_,
                 " or choose another --out");
    }
}

std::string Trainer::checkpoint_path() const { return (fs::path(dir_) / "checkpoint.safetensors").string(); }
std::string Trainer::best_path() const { return (fs::path(dir_) / "best.safetensors").string(); }
std::string Trainer::log_path() const { return (fs::path(dir_) / "log.jsonl").string(); }

std::map<std::string, std::string> Trainer::weights_metadata() const {
    auto m = extra_;
    m["mcseg.net"] = net_.config().to_json();
    m["mcseg.step"] = std::to_string(step_);
    return m;
}

static std::vector<std::pair<std::string, Tensor>> named_state(Network& net) {
    std::vector<std::pair<std::string, Tensor>> out;
    for (auto& [name, t] : net.state()) out.emplace_back(name, *t);
    return out;
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
    save_safetensors(best_path(), named_state(net_), weights_metadata());
}

static bool reserved_key(const std::string& k) {
    return k == "mcseg.net" || k == "mcseg.step" || k == "mcseg.train" || k == "mcseg.schedule" ||
           k == "mcseg.best_step" || k.rfind("adam.", 0) == 0;
}

Trainer Trainer::resume(const std::string& dir, Device device) {
    std::string path = (fs::path(dir) / "checkpoint.safetensors").string();
    if (!fs::exists(path)) fail("nothing to resume: '", path, "' does not exist");
    SafeTensorsFile f = load_safetensors(path);
    for (const char* key : {"mcseg.net", "mcseg.train", "mcseg.schedule", "mcseg.step"})
        if (!f.metadata.count(key)) fail("'", path, "' is not an mcseg checkpoint (no ", key, " metadata)");
    // Everything but the trainer's own keys is the caller's extra metadata (e.g. mcseg.kind).
    std::map<std::string, std::string> extra;
    for (const auto& [k, v] : f.metadata)
        if (!reserved_key(k)) extra[k] = v;
    Trainer t(NetConfig::from_json(f.metadata.at("mcseg.net")), TrainConfig::from_json(f.metadata.at("mcseg.train")),
              dir, device, extra, false);
    load_into(f, t.net_.state(), /*allow_extra=*/true);
    t.adam_.load_state(f, t.net_.parameter_names());
    t.schedule_.load_json(f.metadata.at("mcseg.schedule"));
    t.step_ = std::stoll(f.metadata.at("mcseg.step"));
    if (f.metadata.count("mcseg.best_step")) t.best_step_ = std::stoll(f.metadata.at("mcseg.best_step"));
    return t;
}

TrainResult Trainer::run(BatchSource& train, EvalSource& validation, TrainObserver& observer,
                         const std::atomic<bool>* stop) {
    const int patch = net_.config().patch;
    if (train.patch() != patch || validation.patch() != patch)
        fail("the patch database holds ", train.patch(), "-pixel patches but the network expects ", patch);
    using clock = std::chrono::steady_clock;
    TrainResult result;
    std::ofstream log(log_path(), std::ios::app);
    if (!log) fail("cannot write '", log_path(), "'");
    double loss_sum = 0, acc_sum = 0;
    int steps_since_eval = 0;
    auto start = clock::now();
    int64_t first_step = step_;
    Batch b;
    while (step_ < cfg_.max_steps) {
        if (stop && stop->load()) {
            save_checkpoint();
            result.outcome = TrainOutcome::Interrupted;
            break;
        }
        train.train_batch(step_, cfg_.batch, b);
        Tensor x, y, probs;
        upload(b, net_.device(), x, y);
        Tensor loss = ops::softmax_cross_entropy(net_.forward(x, true, uint64_t(step_)), y, &probs);
        float l = loss.item();
        if (!std::isfinite(l)) {
            result.outcome = TrainOutcome::Diverged;
            result.message = cat("the training loss became ", l, " at step ", step_ + 1,
                                 "; the last good checkpoint is kept in ", checkpoint_path());
            break;
        }
        loss.backward();
        adam_.step();
        adam_.zero_grad();
        ++step_;

        StepStats st;
        st.step = step_;
        st.loss = l;
        st.accuracy = double(count_correct(probs.to_host(), b.y, 2)) / b.size;
        st.lr = adam_.lr;
        double elapsed = std::chrono::duration<double>(clock::now() - start).count();
        st.samples_per_s = elapsed > 0 ? double(step_ - first_step) * cfg_.batch / elapsed : 0;
        loss_sum += st.loss;
        acc_sum += st.accuracy;
        ++steps_since_eval;
        observer.on_step(st);

        bool stop_now = false;
        if (step_ % cfg_.eval_every == 0 || step_ == cfg_.max_steps) {
            EvalResult v = evaluate(net_, validation, cfg_.eval_batch);
            auto action = schedule_.observe(v.loss);
            if (action == PlateauSchedule::Action::Improved) {
                best_step_ = step_;
                save_best();
            }
            if (action == PlateauSchedule::Action::HalveLr) adam_.lr = float(schedule_.lr());
            StepStats avg = st;
            avg.loss = loss_sum / steps_since_eval;
            avg.accuracy = acc_sum / steps_since_eval;
            json line{{"step", step_},
                      {"lr", st.lr},
                      {"train_loss", avg.loss},
                      {"train_accuracy", avg.accuracy},
                      {"val_loss", v.loss},
                      {"val_accuracy", v.accuracy},
                      {"val_class_error", json::array()},
                      {"action", action_name(action)},
                      {"samples_per_s", st.samples_per_s}};
            for (double e : v.class_error) line["val_class_error"].push_back(std::isfinite(e) ? json(e) : json(nullptr));
            log << line.dump() << "\n" << std::flush;
            observer.on_eval(avg, v, action);
            loss_sum = acc_sum = 0;
            steps_since_eval = 0;
            if (action == PlateauSchedule::Action::Stop) {
                result.outcome = TrainOutcome::EarlyStopped;
                stop_now = true;
            }
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

Network load_network(const std::string& path, Device device, std::map<std::string, std::string>* metadata) {
    SafeTensorsFile f = load_safetensors(path);
    auto it = f.metadata.find("mcseg.net");
    if (it == f.metadata.end()) fail("'", path, "' holds no mcseg network config (metadata mcseg.net)");
    Network net(NetConfig::from_json(it->second), 0, Device::CPU);
    load_into(f, net.state(), /*allow_extra=*/true);
    net.to(device);
    if (metadata) *metadata = f.metadata;
    return net;
}

}  // namespace mcseg
