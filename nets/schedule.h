// nets/schedule.h — the paper's learning-rate rule and early stopping, as one small state machine.
//
// The paper halves the learning rate "when the loss plateaued" and stops early "before any
// evidence of overfitting". We make both automatic on the validation loss, evaluated every
// K training steps:
//   * an evaluation IMPROVES when loss < best · (1 − threshold) (relative, as PyTorch's
//     ReduceLROnPlateau in "rel" mode); the caller then keeps these weights as the best;
//   * after `patience` evaluations in a row without improvement the learning rate is halved
//     (times `factor`) and the count restarts — never below `min_lr`;
//   * after `stop_patience` evaluations without improvement since the best, training stops and
//     the caller restores the best weights.
// The whole state is a few numbers, saved in checkpoints so a resumed run continues exactly.
#pragma once
#include <string>

namespace mcseg {

struct PlateauConfig {
    int patience = 4;          // evaluations without improvement before halving
    double factor = 0.5;       // learning-rate multiplier on a plateau
    double threshold = 1e-3;   // relative improvement that counts
    int stop_patience = 12;    // evaluations without improvement before stopping
    double min_lr = 1e-6;
};

class PlateauSchedule {
public:
    enum class Action { Improved, Wait, HalveLr, Stop };

    PlateauSchedule(const PlateauConfig& config, double initial_lr);
    Action observe(double validation_loss);  // one call per evaluation

    double lr() const { return lr_; }
    double best_loss() const { return best_; }
    int evaluations() const { return evaluations_; }
    int best_evaluation() const { return best_evaluation_; }  // index of the best, −1 before any

    std::string to_json() const;
    void load_json(const std::string& json);  // restores the state saved by to_json

private:
    PlateauConfig config_;
    double lr_;
    double best_;
    int evaluations_ = 0;
    int best_evaluation_ = -1;
    int since_best_ = 0;   // evaluations since the best one
    int since_change_ = 0; // evaluations since the best or the last halving
};

const char* action_name(PlateauSchedule::Action a);

}  // namespace mcseg
