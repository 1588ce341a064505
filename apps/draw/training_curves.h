// apps/draw/training_curves.h — the training-curve picture: loss and accuracy, train and validation, against
// the step, drawn from a run's log.jsonl (so a resumed run's picture covers the whole run).
#pragma once
#include <string>

namespace mcseg {

// Reads log_jsonl (nets/train.h) and writes a PNG with two charts. A missing or empty log gives
// empty charts; a malformed line is an Error naming the line.
void write_training_curves(const std::string& log_jsonl, const std::string& png_path,
                           const std::string& title);

}  // namespace mcseg
