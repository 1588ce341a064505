// engine/optim.h — the optimisers: Adam (the paper's, with bias correction) and SGD (momentum).
//
// An optimiser holds handles to the parameter tensors and updates them in place from their
// .grad() with the device backend's fused kernel (engine/backend.h). Parameters that received no
// gradient in a step are left untouched (Adam's step count, used for bias correction, is shared
// by all parameters). For checkpoints, the optimiser state (Adam's m and v,
// SGD's velocity, and the step count) can be exported as named tensors plus metadata, written
// into the same safetensors file as the weights, and loaded back.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor.h"

namespace mcseg {

struct SafeTensorsFile;

class Adam {
public:
    explicit Adam(std::vector<Tensor> params, float lr = 1e-3f, float beta1 = 0.9f,
                  float beta2 = 0.999f, float eps = 1e-8f);
    void step();       // one update of every parameter that has a gradient; step_count += 1
    void zero_grad();  // drops every parameter's gradient

    float lr, beta1, beta2, eps;
    int64_t step_count = 0;
    std::vector<Tensor> params, m, v;  // m, v: first and second moments, shaped like params

    // Checkpoint state: tensors "adam.m.<name>", "adam.v.<name>" (names[i] names params[i]) and
    // metadata adam.step, adam.lr, adam.beta1, adam.beta2, adam.eps.
    std::vector<std::pair<std::string, Tensor>> state_tensors(const std::vector<std::string>& names) const;
    std::map<std::string, std::string> state_metadata() const;
    void load_state(const SafeTensorsFile& f, const std::vector<std::string>& names);
};

class SGD {
public:
    explicit SGD(std::vector<Tensor> params, float lr, float momentum = 0.0f);
    void step();
    void zero_grad();

    float lr, momentum;
    int64_t step_count = 0;
    std::vector<Tensor> params, velocity;  // velocity empty when momentum == 0

    // Checkpoint state: "sgd.velocity.<name>" and metadata sgd.step, sgd.lr, sgd.momentum.
    std::vector<std::pair<std::string, Tensor>> state_tensors(const std::vector<std::string>& names) const;
    std::map<std::string, std::string> state_metadata() const;
    void load_state(const SafeTensorsFile& f, const std::vector<std::string>& names);
};

}  // namespace mcseg
