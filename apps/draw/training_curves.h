// apps/draw/training_curves.h — the training-curve picture: loss and accuracy, train and validation, against
// the step, drawn from a run's log.jsonl (so a resumed run's picture covers the whole run).
#pragma once
#include <string>

#include "apps/draw/canvas.h"

namespace mcseg {

// Reads log_jsonl (nets/train.h) and draws two charts. A missing or empty log gives empty charts;
// a malformed line is an Error naming the line.
Canvas training_curves(const std::string& log_jsonl, const std::string& title);

// The same picture, written as a PNG.
void write_training_curves(const std::string& log_jsonl, const std::string& png_path,
                           const std::string& title);

}  // namespace mcseg
