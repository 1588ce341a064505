// nets/schedule.cpp — plateau halving and early stopping (see schedule.h).
#include "nets/schedule.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "engine/error.h"

namespace mcseg {

PlateauSchedule::PlateauSchedule(const PlateauConfig& config, double initial_lr)
    : config_(config), lr_(initial_lr), best_(std::numeric_limits<double>::infinity()) {
    if (config.patience < 1 || config.stop_patience < 1 || !(config.factor > 0 && config.factor < 1))
        fail("plateau schedule: patience and stop patience must be >= 1 and factor in (0, 1)");
}

PlateauSchedule::Action PlateauSchedule::observe(double loss) {
    if (!std::isfinite(loss)) fail("plateau schedule: validation loss is ", loss);
    int index = evaluations_++;
    if (loss < best_ * (1.0 - config_.threshold) || best_evaluation_ < 0) {
        best_ = loss;
        best_evaluation_ = index;
        since_best_ = since_change_ = 0;
        return Action::Improved;
    }
    ++since_best_;
    ++since_change_;
    if (since_best_ >= config_.stop_patience) return Action::Stop;
    if (since_change_ >= config_.patience && lr_ > config_.min_lr) {
        lr_ = std::max(config_.min_lr, lr_ * config_.factor);
        since_change_ = 0;
        return Action::HalveLr;
    }
    return Action::Wait;
}

std::string PlateauSchedule::to_json() const {
    nlohmann::json j{{"lr", lr_},
                     {"best_loss", std::isfinite(best_) ? nlohmann::json(best_) : nlohmann::json(nullptr)},
                     {"evaluations", evaluations_},
                     {"best_evaluation", best_evaluation_},
                     {"since_best", since_best_},
                     {"since_change", since_change_}};
    return j.dump();
}

void PlateauSchedule::load_json(const std::string& text) {
    try {
        auto j = nlohmann::json::parse(text);
        lr_ = j.at("lr").get<double>();
        best_ = j.at("best_loss").is_null() ? std::numeric_limits<double>::infinity()
                                            : j.at("best_loss").get<double>();
        evaluations_ = j.at("evaluations").get<int>();
        best_evaluation_ = j.at("best_evaluation").get<int>();
        since_best_ = j.at("since_best").get<int>();
        since_change_ = j.at("since_change").get<int>();
    } catch (const nlohmann::json::exception& e) {
        fail("plateau schedule: bad saved state: ", e.what());
    }
}

const char* action_name(PlateauSchedule::Action a) {
    switch (a) {
        case PlateauSchedule::Action::Improved: return "improved";
        case PlateauSchedule::Action::Wait: return "wait";
        case PlateauSchedule::Action::HalveLr: return "halve-lr";
        case PlateauSchedule::Action::Stop: return "stop";
    }
    return "?";
}

}  // namespace mcseg
