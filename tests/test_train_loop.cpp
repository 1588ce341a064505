// tests/test_train_loop.cpp — the training loop: resume is bit-identical, a NaN loss stops
// training and keeps the last good checkpoint, a used folder is refused, weights reload.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/error.h"
#include "engine/philox.h"
#include "engine/safetensors.h"
#include "nets/train.h"
#include "nets/weights.h"
#include "tests/test_data_fixture.h"

using namespace mcseg;
namespace fs = std::filesystem;

namespace {
// Patches of noise; positives carry a bright 3x3 blob at the centre. Sample i of batch `step`
// is a pure function of (step, i), as the trainer requires.
void make_patch(uint64_t key, int patch, bool positive, float* x) {
    for (int p = 0; p < patch * patch; ++p) x[p] = philox_uniform_at(key, 0, p) * 0.5f;
    if (positive)
        for (int dy = -1; dy <= 1; ++dy)
            for (int dx = -1; dx <= 1; ++dx) x[(patch / 2 + dy) * patch + patch / 2 + dx] += 1.0f;
}

struct BlobSource : BatchSource, EvalSource {
    int side = 29;
    size_t eval_size = 16;
    int64_t nan_at_step = -1;
    int patch() const override { return side; }
    void fill(uint64_t key_base, int n, Batch& b) {
        b.size = n;
        b.patch = side;
        b.x.assign(size_t(n) * side * side, 0.0f);
        b.y.resize(n);
        b.cls.resize(n);
        for (int i = 0; i < n; ++i) {
            bool pos = i % 2 == 0;
            make_patch(key_base + i, side, pos, &b.x[size_t(i) * side * side]);
            b.y[i] = pos ? 1.0f : 0.0f;
            b.cls[i] = pos ? 1 : 4;
        }
    }
    void train_batch(int64_t step, int batch_size, Batch& b) override {
        fill(uint64_t(step) * 1000, batch_size, b);
        if (step == nan_at_step) b.x[0] = std::nanf("");
    }
    size_t size() const override { return eval_size; }
    void get(size_t begin, size_t count, Batch& b) override { fill(1u << 30 | begin, int(count), b); }
};

NetConfig tiny_net() { return NetConfig{.patch = 29, .filters = 4, .fc = 8}; }

TrainConfig tiny_train(int64_t steps) {
    TrainConfig t;
    t.batch = 8;
    t.max_steps = steps;
    t.eval_every = 2;
    t.checkpoint_every = 2;
    t.eval_batch = 8;
    return t;
}

struct StopAt : TrainObserver {
    std::atomic<bool>* flag;
    int64_t at;
    StopAt(std::atomic<bool>* f, int64_t s) : flag(f), at(s) {}
    void on_step(const StepStats& s) override {
        if (s.step == at) *flag = true;
    }
};

fs::path fresh_dir(const char* name) {
    fs::path d = fs::temp_directory_path() / name;
    fs::remove_all(d);
    return d;
}
}  // namespace

TEST_CASE("train: zero or negative steps are refused before anything is written") {
    fs::path dir = fresh_dir("mcseg_train_nosteps");
    for (int64_t steps : {0, -1})
        CHECK(test::error_of([&] { Trainer t(tiny_net(), tiny_train(steps), dir.string(), Device::CPU); })
                  .find("steps must be >= 1") != std::string::npos);
    CHECK_FALSE(fs::exists(dir));
}

TEST_CASE("train: resume after an interruption continues bit-identically") {
    BlobSource data;
    fs::path straight = fresh_dir("mcseg_train_straight"), split = fresh_dir("mcseg_train_split");
    TrainObserver quiet;
    Trainer a(tiny_net(), tiny_train(6), straight.string(), Device::CPU);
    TrainResult ra = a.run(data, data, quiet);
    CHECK(ra.outcome == TrainOutcome::Finished);
    CHECK(ra.steps == 6);

    std::atomic<bool> stop{false};
    StopAt stopper(&stop, 3);
    {
        Trainer b(tiny_net(), tiny_train(6), split.string(), Device::CPU);  // its lock ends with it
        TrainResult rb = b.run(data, data, stopper, &stop);
        CHECK(rb.outcome == TrainOutcome::Interrupted);
        CHECK(rb.steps == 3);
    }
    Trainer c = Trainer::resume(split.string(), Device::CPU);
    CHECK(c.step() == 3);
    TrainResult rc = c.run(data, data, quiet);
    CHECK(rc.outcome == TrainOutcome::Finished);

    auto sa = a.network().state(), sc = c.network().state();
    REQUIRE(sa.size() == sc.size());
    for (size_t i = 0; i < sa.size(); ++i) {
        CAPTURE(sa[i].first);
        CHECK(sa[i].second->to_host() == sc[i].second->to_host());
    }
    CHECK(ra.best_val_loss == rc.best_val_loss);
    fs::remove_all(straight);
    fs::remove_all(split);
}

TEST_CASE("train: a NaN loss stops training and keeps the last good checkpoint") {
    BlobSource data;
    data.nan_at_step = 4;
    fs::path dir = fresh_dir("mcseg_train_nan");
    TrainObserver quiet;
    Trainer t(tiny_net(), tiny_train(10), dir.string(), Device::CPU);
    TrainResult r = t.run(data, data, quiet);
    CHECK(r.outcome == TrainOutcome::Diverged);
    CHECK(r.message.find("step 5") != std::string::npos);
    SafeTensorsFile f = load_safetensors(t.checkpoint_path());
    CHECK(f.metadata.at("mcseg.step") == "4");
    for (const auto& [name, e] : f.entries)
        for (float v : e.tensor.to_host()) REQUIRE(std::isfinite(v));
    fs::remove_all(dir);
}

TEST_CASE("train: a folder holding a run is refused and weights reload with their config") {
    BlobSource data;
    fs::path dir = fresh_dir("mcseg_train_reuse");
    TrainObserver quiet;
    {
        Trainer t(tiny_net(), tiny_train(2), dir.string(), Device::CPU, {{"mcseg.kind", "detector"}});
        t.run(data, data, quiet);
    }
    CHECK_THROWS_WITH_AS(Trainer(tiny_net(), tiny_train(2), dir.string(), Device::CPU),
                         doctest::Contains("--resume"), Error);
    CHECK_NOTHROW(Trainer::resume(dir.string(), Device::CPU));  // the refused trainer let go of the lock
    std::map<std::string, std::string> meta;
    Network net = load_network((dir / "best.safetensors").string(), Device::CPU, &meta);
    CHECK(net.config().filters == 4);
    CHECK(meta.at("mcseg.kind") == "detector");
    EvalResult e = evaluate(net, data, 8);
    CHECK(e.samples == 16);
    CHECK(e.class_count[kC1] == 8);
    CHECK(e.class_count[kC4] == 8);
    CHECK(std::isnan(e.class_error[kC2]));
    CHECK_THROWS_AS(Trainer::resume((dir / "missing").string(), Device::CPU), Error);

    // Fine-tuning starts from given weights: before any step, the network is those weights.
    fs::path tuned = fresh_dir("mcseg_train_init");
    Trainer ft(tiny_net(), tiny_train(2), tuned.string(), Device::CPU);
    ft.init_from((dir / "best.safetensors").string());
    std::vector<float> x(size_t(2) * 29 * 29, 0.5f);
    NoGradGuard no_grad;
    const Tensor input = Tensor::from_host({2, 1, 29, 29}, x);
    CHECK(ft.network().forward(input, false).to_host() == net.forward(input, false).to_host());
    NetConfig other = tiny_net();
    other.filters = 3;
    Trainer wrong(other, tiny_train(2), fresh_dir("mcseg_train_init_wrong").string(), Device::CPU);
    CHECK_THROWS_WITH_AS(wrong.init_from((dir / "best.safetensors").string()), doctest::Contains("not this run's"), Error);
    fs::remove_all(dir);
    fs::remove_all(tuned);
    fs::remove_all(fresh_dir("mcseg_train_init_wrong"));
}

namespace {
std::vector<int64_t> logged_steps(const std::string& log) {
    std::vector<int64_t> steps;
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) steps.push_back(nlohmann::json::parse(line).at("step"));
    return steps;
}
}  // namespace

TEST_CASE("train: one run per folder at a time, a second trainer or a resume of a live run is refused") {
    fs::path dir = fresh_dir("mcseg_train_locked");
    Trainer live(tiny_net(), tiny_train(4), dir.string(), Device::CPU);
    CHECK(test::error_of([&] { Trainer(tiny_net(), tiny_train(4), dir.string(), Device::CPU); }).find("in use") !=
          std::string::npos);
    TrainObserver quiet;
    BlobSource data;
    std::atomic<bool> stop{false};
    StopAt stopper(&stop, 2);
    live.run(data, data, stopper, &stop);  // a checkpoint to resume from, the lock still held
    CHECK(test::error_of([&] { Trainer::resume(dir.string(), Device::CPU); }).find("in use") != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("train: resume cuts a torn or too-long log back to the checkpoint and removes stale temporaries") {
    BlobSource data;
    TrainObserver quiet;
    fs::path dir = fresh_dir("mcseg_train_torn");
    {
        Trainer t(tiny_net(), tiny_train(4), dir.string(), Device::CPU);
        t.run(data, data, quiet);
    }
    const std::string log = (dir / "log.jsonl").string();
    REQUIRE(logged_steps(log) == std::vector<int64_t>{2, 4});
    // An evaluation logged after the checkpoint (a kill between the two), then a line torn by a
    // full disk, then a temporary file of an interrupted checkpoint write.
    std::ofstream(log, std::ios::app) << R"({"step": 6, "val_loss": 0.5})" << "\n" << R"({"step": 8, "val_lo)";
    std::ofstream(dir / ".checkpoint.safetensors.tmp-Ab12Cd") << "partial";
    Trainer r = Trainer::resume(dir.string(), Device::CPU);
    CHECK(logged_steps(log) == std::vector<int64_t>{2, 4});
    CHECK_FALSE(fs::exists(dir / ".checkpoint.safetensors.tmp-Ab12Cd"));
    r.set_max_steps(8);
    r.run(data, data, quiet);
    CHECK(logged_steps(log) == std::vector<int64_t>{2, 4, 6, 8});
    fs::remove_all(dir);
}

TEST_CASE("train: a fresh run into a folder killed before its first checkpoint starts a new log") {
    BlobSource data;
    TrainObserver quiet;
    fs::path dir = fresh_dir("mcseg_train_restart");
    fs::create_directories(dir);
    std::ofstream(dir / "log.jsonl") << R"({"step": 2, "val_loss": 9})" << "\n";
    Trainer t(tiny_net(), tiny_train(2), dir.string(), Device::CPU);
    t.run(data, data, quiet);
    const std::vector<int64_t> steps = logged_steps(t.log_path());
    CHECK(steps == std::vector<int64_t>{2});
    CHECK(nlohmann::json::parse(std::ifstream(t.log_path())).at("val_loss") != 9);
    fs::remove_all(dir);
}
