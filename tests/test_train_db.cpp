// tests/test_train_db.cpp — training and evaluation on a real patch database: a tiny Detector
// run (N = 29, a few hundred steps) learns far above chance and is calibrated on its validation
// split (apps/evaluation/threshold.h), and bad inputs (missing database,
// wrong N for the database, weights of another network) are clear errors; the overall accuracy
// is the paper's weighting of the per-class errors.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "apps/evaluation/threshold.h"
#include "apps/evaluation/paper_figures.h"
#include "apps/dataset/patch_db.h"
#include "apps/segment/pipeline.h"
#include "nets/weights.h"
#include "apps/evaluation/class_error_table.h"
#include "apps/dataset/batch_sources.h"
#include "engine/error.h"
#include "engine/philox.h"
#include "engine/safetensors.h"
#include "tests/test_data_fixture.h"

using namespace mcseg;
namespace fs = std::filesystem;

namespace {

// 12 fixture images (9 with MC blobs) indexed at N = 29: 231/25/27 scaled gives 10/1/1 images;
// split seed 2 puts blobs in both the validation image (img_5) and the test image (img_3).
// The fixture's tissue is flat, so its breast std would come from the blobs alone and vary
// tenfold between images; tissue texture (uniform noise of +-300) makes it a property of the
// tissue, as in a mammogram, and keeps the blobs (+3000) well visible.
struct TinyStudy {
    fs::path dir = test::make_fixture("train_db", 12);
    std::string db = (dir / "patches-n29.db").string();
    TinyStudy() {
        for (int k = 0; k < 12; ++k) {
            const std::string path = (dir / ("img_" + std::to_string(k) + ".png")).string();
            GrayImage img = read_png_gray(path);
            for (size_t i = 0; i < img.pixels.size(); ++i)
                if (img.pixels[i] != test::kAir)
                    img.pixels[i] = uint16_t(img.pixels[i] - 300 + int(600 * philox_uniform_at(k, 7, i)));
            write_png_gray16(path, img.width, img.height, img.pixels.data());
        }
        PatchDbOptions opt;
        opt.patch = 29;
        opt.seed = 2;
        opt.max_c3 = 3000;
        opt.max_c4 = 3000;
        build_patch_db(dir.string(), db, opt);
    }
    ~TinyStudy() { fs::remove_all(dir); }
};

NetConfig small_net(int patch) { return NetConfig{.patch = patch, .filters = 8, .fc = 16}; }

TrainConfig short_run() {
    TrainConfig t;
    t.batch = 32;
    t.max_steps = 600;
    t.eval_every = 100;
    t.checkpoint_every = 100;
    t.eval_batch = 256;
    return t;
}

}  // namespace

TEST_CASE("train: a tiny Detector trained on a patch database (N = 29, 600 steps) beats chance by far") {
    TinyStudy study;
    DataSpec data;
    data.db = study.db;
    data.val_per_class = 200;
    const fs::path out = study.dir / "run";
    TrainObserver quiet;
    Trainer trainer(small_net(29), short_run(), out.string(), Device::CPU, data.metadata());
    TrainResult r = train_on_db(trainer, data, quiet);
    CHECK(r.outcome == TrainOutcome::Finished);
    CHECK(r.steps == 600);

    std::map<std::string, std::string> meta;
    Network net = load_network((out / "best.safetensors").string(), Device::CPU, &meta);
    CHECK(meta.at("mcseg.kind") == "detector");
    EvalResult e = evaluate_on_db(net, Task::Detector, study.db, "test", 500);
    for (int c = kC1; c <= kC4; ++c) REQUIRE(e.class_count[c] > 0);
    CAPTURE(e.class_error[kC1]);
    CAPTURE(e.class_error[kC2]);
    CAPTURE(e.class_error[kC3]);
    CAPTURE(e.class_error[kC4]);
    // Chance is 50 %; bright blobs on flat tissue are easy, so the mean of the per-class accuracies must be high.
    CHECK(class_mean_accuracy(e) > 0.9);

    // mcseg calibrate: the threshold chosen on the validation split goes into a copy of the
    // weights, which still load and give the same test loss; the test split is refused.
    const std::string calibrated = (out / "calibrated.safetensors").string();
    Calibration c = calibrate_on_db((out / "best.safetensors").string(), study.db, "val", 200, Device::CPU, calibrated);
    CHECK(c.sweep.size() == 19);
    CHECK(c.threshold == doctest::Approx(best_threshold(c.sweep)));
    std::map<std::string, std::string> cal_meta;
    Network cal = load_network(calibrated, Device::CPU, &cal_meta);
    CHECK(stored_threshold(cal_meta, calibrated) == doctest::Approx(c.threshold).epsilon(1e-4));
    CHECK(evaluate_on_db(cal, Task::Detector, study.db, "test", 500).loss == e.loss);
    CHECK(test::error_of([&] {
              calibrate_on_db((out / "best.safetensors").string(), study.db, "test", 200, Device::CPU, calibrated);
          }).find("use val") != std::string::npos);
}

TEST_CASE("train: a missing database, a wrong N and weights of another network are clear errors") {
    TinyStudy study;
    DataSpec data;
    data.db = (study.dir / "missing.db").string();
    TrainObserver quiet;
    {
        Trainer t(small_net(29), short_run(), (study.dir / "run-missing").string(), Device::CPU, data.metadata());
        CHECK(test::error_of([&] { train_on_db(t, data, quiet); }).find("missing.db") != std::string::npos);
    }
    data.db = study.db;
    {
        Trainer t(small_net(49), short_run(), (study.dir / "run-n49").string(), Device::CPU, data.metadata());
        CHECK(test::error_of([&] { train_on_db(t, data, quiet); })
                  .find("the network takes 49-pixel patches but the training data has 29-pixel ones") != std::string::npos);
        Network net49(small_net(49), 1, Device::CPU);
        CHECK(test::error_of([&] { evaluate_on_db(net49, Task::Detector, study.db, "test", 10); })
                  .find("takes 49-pixel patches") != std::string::npos);
    }
    TrainConfig one = short_run();
    one.max_steps = 1;
    one.eval_every = one.checkpoint_every = 1;
    const fs::path run = study.dir / "run-one";
    {
        Trainer t(small_net(29), one, run.string(), Device::CPU, data.metadata());
        train_on_db(t, data, quiet);
    }
    const std::string weights = (run / "best.safetensors").string();
    CHECK(test::error_of([&] { load_network_of_kind(weights, "segmentator", Device::CPU); })
              .find("holds a detector, not a segmentator") != std::string::npos);
    // Tensors of one architecture under another's smaller config: a shape error naming the
    // tensor (a larger config is refused sooner: the file holds too few numbers for it).
    SafeTensorsFile f = load_safetensors(weights);
    f.metadata["mcseg.net"] = [] {
        NetConfig c = small_net(29);
        c.filters = 4;
        return c.to_json();
    }();
    std::vector<std::pair<std::string, Tensor>> tensors;
    for (auto& [name, e] : f.entries) tensors.push_back({name, e.tensor});
    const std::string other = (study.dir / "other.safetensors").string();
    save_safetensors(other, tensors, f.metadata);
    CHECK(test::error_of([&] { load_network(other, Device::CPU); }).find("has shape") != std::string::npos);
}

TEST_CASE("train: the overall accuracy gives the paper's four overall figures from its per-class errors") {
    for (const PaperRow& p : kPaperTable1) {
        CAPTURE(p.net);
        CAPTURE(p.conv);
        EvalResult r;
        for (int c = kC1; c <= kC4; ++c) r.class_error[c] = p.class_error[c] / 100;
        CHECK(100 * overall_accuracy(r) == doctest::Approx(p.overall_accuracy).epsilon(0.00006));
        CHECK(100 * class_mean_accuracy(r) < p.overall_accuracy);  // the plain mean is not the paper's
    }
    EvalResult half;  // no C1 patches: the other classes share the weight
    half.class_error = {std::nan(""), 0.1, 0.2, 0.3};
    CHECK(overall_accuracy(half) == doctest::Approx(0.8));
    CHECK(class_mean_accuracy(half) == doctest::Approx(0.8));
}
