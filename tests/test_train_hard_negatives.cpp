// tests/test_train_hard_negatives.cpp — hard-example mining (apps/study/mine.h) and drawing the
// mined examples into minibatches (SamplerConfig::hard_share and hard_positive_share), on the tiny
// fixture dataset.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <tuple>

#include "apps/dataset/batch_sources.h"
#include "apps/dataset/hard_negatives.h"
#include "apps/dataset/patch_classes.h"
#include "apps/dataset/sampler.h"
#include "apps/study/mine.h"
#include "engine/error.h"
#include "nets/weights.h"
#include "tests/test_data_fixture.h"

using namespace mcseg;
namespace fs = std::filesystem;

namespace {

// A network whose output is P(positive) = 0.9 everywhere: every weight 0, fc2's bias (0, 2.2).
Network constant_net(int patch) {
    NetConfig c;
    c.patch = patch;
    c.filters = 2;
    c.fc = 4;
    Network net(c, 1);
    for (auto& [name, t] : net.state())
        if (name.find("running_var") == std::string::npos) *t = Tensor::zeros(t->shape());
    for (auto& [name, t] : net.state())
        if (name == "fc2.bias") *t = Tensor::from_host({2}, {0.0f, 2.2f});
    return net;
}

// A fresh fixture of 6 images (4 in the train split) in dir, with its patch database (N = 15) at
// dir/p.db; returns the database's path.
std::string fixture_db(const fs::path& dir) {
    const std::string db = (dir / "p.db").string();
    PatchDbOptions popt;
    popt.patch = 15;
    build_patch_db(dir.string(), db, popt);
    return db;
}

using Centres = std::set<std::tuple<int, int, int>>;  // (image, x, y)

// Of the batch the sampler made last: how many samples are labelled y, and how many were drawn
// at one of the centres.
std::pair<int, int> labelled_and_drawn_from(const Sampler& sampler, const Batch& b, float y, const Centres& centres) {
    int labelled = 0, drawn = 0;
    for (int i = 0; i < b.size; ++i) {
        labelled += b.y[i] == y;
        drawn += centres.count({sampler.where(i).image, sampler.where(i).x, sampler.where(i).y}) > 0;
    }
    return {labelled, drawn};
}

}  // namespace

TEST_CASE("train: the negatives of a segmented image are its false MCs' pixels and its empty positive windows") {
    // A 20x20 image, patch 5: a true MC at (4..5, 4), a predicted MC on it and a false one at (14, 14..15).
    SegmentResult r;
    r.width = r.height = 20;
    std::vector<uint8_t> truth(400, 0), pred(400, 0);
    truth[4 * 20 + 4] = truth[4 * 20 + 5] = 1;
    pred[4 * 20 + 4] = 1;
    pred[14 * 20 + 14] = pred[15 * 20 + 14] = 1;
    r.mcs = label_components(pred, 20, 20);
    const std::vector<uint8_t> cls = patch_class_map(truth, 20, 20, 5);
    long long false_mcs = 0;
    const std::vector<HardExample> seg = segmentator_negatives(r, truth, cls, false_mcs);
    CHECK(false_mcs == 1);
    REQUIRE(seg.size() == 2);
    for (const HardExample& h : seg) {
        CHECK(h.x == 14);
        CHECK(h.cls == kC4);
    }
    r.positive_at = {{0, 0}, {10, 10}};  // the first window holds the MC, the second none
    const std::vector<HardExample> det = detector_negatives(r, 5, cls);
    REQUIRE(det.size() == 1);
    CHECK((det[0].x == 12 && det[0].y == 12 && det[0].cls == kC4));
}

TEST_CASE("train: the positives of a segmented image are the pixels of the true MCs it missed") {
    // A 20x20 image, patch 5: true MCs at (4..5, 4) (found: a predicted MC overlaps it) and at
    // (12, 12..13) (missed); a false MC at (16, 16).
    SegmentResult r;
    r.width = r.height = 20;
    std::vector<uint8_t> truth(400, 0), pred(400, 0);
    truth[4 * 20 + 4] = truth[4 * 20 + 5] = 1;
    truth[12 * 20 + 12] = truth[13 * 20 + 12] = 1;
    pred[4 * 20 + 5] = pred[16 * 20 + 16] = 1;
    r.mcs = label_components(pred, 20, 20);
    const std::vector<uint8_t> cls = patch_class_map(truth, 20, 20, 5);
    long long missed = 0;
    const std::vector<HardExample> pos = segmentator_positives(r, truth, cls, missed);
    CHECK(missed == 1);
    REQUIRE(pos.size() == 2);
    for (const HardExample& h : pos) {
        CHECK(h.x == 12);
        CHECK(h.cls == kC1);
    }
}

TEST_CASE("train: hard positives are stored apart and batches draw them at the stated share") {
    const fs::path dir = test::make_fixture("minepos", 6);
    const std::string db = fixture_db(dir);
    Centres chosen;
    {
        PatchSet plain(db, "train");
        REQUIRE(plain.count(kC1) >= 3);
        for (size_t i = 0; i < 3; ++i) {
            const DbPatch& p = plain.at(kC1, i);
            CHECK(add_hard_examples(db, plain.image(p.image).name, "segmentator", 1, {{p.x, p.y, kC1}}) == 1);
            chosen.insert({p.image, p.x, p.y});
        }
    }
    PatchSet set(db, "train", InputNorm::BreastZ, "segmentator");
    CHECK(set.hard().empty());  // no negatives were stored
    REQUIRE(set.hard_positives().size() == 3);
    SamplerConfig cfg;
    cfg.task = Task::Segmentator;
    cfg.batch = 64;
    cfg.hard_positive_share = 0.5;
    Sampler sampler(set, cfg);
    CHECK(sampler.hard_positives_per_batch() == 16);
    Batch b;
    sampler.next(b);
    const auto [positives, from_hard] = labelled_and_drawn_from(sampler, b, 1.0f, chosen);
    CHECK(positives == 32);
    CHECK(from_hard >= 16);  // regular C1 draws may land on a chosen centre too
    cfg.hard_share = 0.25;   // asks for hard negatives, and there are none
    CHECK_THROWS_WITH_AS(Sampler(set, cfg), doctest::Contains("no hard negatives"), Error);
    fs::remove_all(dir);
}

TEST_CASE("train: mining stores each false positive once, and batches draw them at the stated share") {
    const fs::path dir = test::make_fixture("mine", 6);
    const std::string db = fixture_db(dir);
    Network det = constant_net(15), seg = constant_net(15);
    save_network((dir / "det.safetensors").string(), det, {{"mcseg.kind", "detector"}});
    save_network((dir / "seg.safetensors").string(), seg, {{"mcseg.kind", "segmentator"}});
    MineOptions o;
    o.db = db;
    o.detector = (dir / "det.safetensors").string();
    o.segmentator = (dir / "seg.safetensors").string();
    o.max_per_image = 7;
    const MineSummary s = mine_hard_negatives(o);
    CHECK(s.images == 4);  // the train split of 6 images
    CHECK(s.false_windows > 0);  // every window is positive; most hold no MC
    CHECK(s.detector_added > 0);
    CHECK(s.detector_added <= 4 * 7);
    CHECK(mine_hard_negatives(o).detector_added == 0);  // the same negatives again: nothing new

    PatchSet set(db, "train", InputNorm::BreastZ, "detector");
    REQUIRE(set.hard().size() == size_t(s.detector_added));
    Centres hard;
    for (const auto& [cls, p] : set.hard()) {
        CHECK(cls == kC4);
        hard.insert({p.image, p.x, p.y});
    }
    SamplerConfig cfg;
    cfg.batch = 64;
    cfg.hard_share = 0.5;
    Sampler sampler(set, cfg);
    CHECK(sampler.hard_per_batch() == 16);
    Batch b;
    sampler.next(b);
    const auto [negatives, from_hard] = labelled_and_drawn_from(sampler, b, 0.0f, hard);
    CHECK(negatives == 32);
    CHECK(from_hard >= 16);  // regular C4 draws may land on a mined centre too
    fs::remove_all(dir);
}

TEST_CASE("train: a run's hard-example shares survive its checkpoint metadata") {
    DataSpec d;
    d.kind = "segmentator";
    d.db = "p.db";
    d.hard_share = 0.5;
    d.hard_positive_share = 0.25;
    std::map<std::string, std::string> meta = d.metadata();
    const DataSpec back = DataSpec::from_metadata(meta, "checkpoint");
    CHECK(back.hard_share == 0.5);
    CHECK(back.hard_positive_share == 0.25);
    meta["mcseg.hard_positive_share"] = "2";
    CHECK_THROWS_WITH_AS(DataSpec::from_metadata(meta, "checkpoint"), doctest::Contains("mcseg.hard_positive_share"), Error);
}
