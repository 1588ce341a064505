// tests/test_train_schedule.cpp — plateau halving and early stopping on scripted loss sequences.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "engine/error.h"
#include "nets/schedule.h"

using namespace mcseg;
using A = PlateauSchedule::Action;

TEST_CASE("train: plateau halves the learning rate and early stopping fires") {
    PlateauConfig c;
    c.patience = 2;
    c.stop_patience = 5;
    c.threshold = 0.01;
    PlateauSchedule s(c, 1e-3);
    // 1.0 best; 0.995 is within the 1 % threshold: no improvement.
    std::vector<double> losses{1.0, 0.8, 0.795, 0.81, 0.796, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6};
    std::vector<A> expect{A::Improved, A::Improved, A::Wait, A::HalveLr, A::Wait,
                          A::Improved, A::Wait, A::HalveLr, A::Wait, A::HalveLr, A::Stop};
    std::vector<double> lr_after{1e-3, 1e-3, 1e-3, 5e-4, 5e-4, 5e-4, 5e-4, 2.5e-4, 2.5e-4, 1.25e-4, 1.25e-4};
    for (size_t i = 0; i < losses.size(); ++i) {
        CAPTURE(i);
        CHECK(s.observe(losses[i]) == expect[i]);
        CHECK(s.lr() == doctest::Approx(lr_after[i]));
    }
    CHECK(s.best_loss() == 0.5);
    CHECK(s.best_evaluation() == 5);
}

TEST_CASE("train: plateau schedule state survives a save and load") {
    PlateauConfig c;
    c.patience = 1;
    PlateauSchedule a(c, 1e-3), b(c, 1e-3);
    for (double l : {1.0, 1.2, 1.3}) a.observe(l);
    b.load_json(a.to_json());
    for (double l : {0.9, 0.95, 0.97, 0.99}) CHECK(a.observe(l) == b.observe(l));
    CHECK(a.lr() == b.lr());
    CHECK(a.to_json() == b.to_json());
}

TEST_CASE("train: plateau schedule rejects a NaN loss and a bad config") {
    PlateauSchedule s(PlateauConfig{}, 1e-3);
    CHECK_THROWS_AS(s.observe(std::nan("")), Error);
    PlateauConfig bad;
    bad.factor = 1.5;
    CHECK_THROWS_AS(PlateauSchedule(bad, 1e-3), Error);
    CHECK_THROWS_AS(s.load_json("{\"lr\": 1}"), Error);
}
