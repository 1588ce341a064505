// tests/test_reference_train.cpp — three Adam training steps of the paper's network (width 32,
// batch 4) against PyTorch 1.13: N=49 same without dropout, N=29 same and N=49 valid with an
// injected dropout mask (tests/reference/train_*.safetensors, made by make_reference.py).
//
// The network starts from the file's initial state (fc1.weight of the "same" runs is the
// Philox-defined He-uniform matrix the script documents, regenerated here and checked against
// the stored first row), then runs forward (training mode) -> mean softmax cross-entropy ->
// backward -> Adam(lr 1e-3), three times; after each step the loss, the logits of that step's
// forward pass, every parameter and every running statistic are compared.
//
// Tolerances, and why they are looser than for single ops (test_reference_ops.cpp):
//  * loss and logits: atol 1e-4 + rtol 1e-3. Twelve layers of float32 sums in a different order
//    give ~1e-6 relative differences per layer; batch norm over a batch of 4 divides by small
//    standard deviations and amplifies them, and steps 2 and 3 start from parameters that
//    already differ slightly (next point).
//  * parameters: atol 2e-5 + rtol 1e-4. Adam's step is lr·m̂/(√v̂ + eps): on the first steps it
//    is ≈ ±lr whatever the gradient's size, so a parameter's value after three steps differs
//    only by the rounding of a few ±1e-3 updates (~1e-7) plus the effect of small gradient
//    differences on m̂/√v̂ (relative ~1e-4 when the gradient differs by ~1e-4 relative).
//    A weight whose gradient happens to be within rounding noise of 0 behaves like the biases
//    below; up to 0.1 % of a tensor's elements may therefore differ by up to that bound.
//  * except the biases of conv1..conv6 and fc1: each feeds a batch norm in training mode,
//    which subtracts the batch mean, so their true gradient is exactly 0 and both sides see
//    only rounding noise (~1e-9). Adam normalises that noise to an update of up to ±lr per
//    step (|m̂|/√v̂ ≤ 1.005 for three steps, by Cauchy–Schwarz) in a random direction, and the
//    two sides' noise is independent, so they may drift apart by up to 2·3·lr: these are only
//    checked to that bound, atol 6.5e-3.
//  * running means: they average the batch means of conv/fc outputs, which include those
//    biases, so they inherit a 0.1 (momentum) share of the bias difference: after step 3 at
//    most 0.9·0.1·(2·lr) + 0.1·(4·lr) = 5.8e-4; atol 1e-3.
//    Running variances do not depend on the biases: atol 1e-4 + rtol 1e-3 like activations.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "engine/optim.h"
#include "engine/philox.h"
#include "nets/network.h"
#include "tests/test_reference_common.h"

using namespace mcseg;
using namespace mcseg::reftest;

namespace {

const Tolerance kActivations{1e-4, 1e-3};
const Tolerance kParameters{2e-5, 1e-4, 1e-3, 6.5e-3};
const Tolerance kZeroGradientBias{6.5e-3, 0.0};
const Tolerance kRunningMean{1e-3, 1e-3};

Tolerance tolerance_for(const std::string& name) {
    const bool bias_before_bn = name == "fc1.bias" || (name.starts_with("conv") && name.ends_with(".bias"));
    if (bias_before_bn) return kZeroGradientBias;
    if (name.ends_with("running_mean")) return kRunningMean;
    if (name.ends_with("running_var")) return kActivations;
    return kParameters;
}

// make_reference.py's Philox He-uniform: element i = (2·u_i − 1)·float(√(6/fan_in)).
Tensor philox_he_uniform(int rows, int cols, uint64_t seed) {
    const float a = static_cast<float>(std::sqrt(6.0 / cols));
    std::vector<float> v(static_cast<size_t>(rows) * cols);
    for (size_t i = 0; i < v.size(); ++i) v[i] = (philox_uniform_at(seed, 0, i) * 2.0f - 1.0f) * a;
    return Tensor::from_host({rows, cols}, v);
}

// Every column of `t` [rows, cols] whose index is a multiple of `step`.
Tensor every_nth_column(const Tensor& t, int step) {
    const int rows = t.dim(0), cols = t.dim(1), kept = (cols + step - 1) / step;
    const std::vector<float> all = t.to_host();
    std::vector<float> out;
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; c += step) out.push_back(all[static_cast<size_t>(r) * cols + c]);
    return Tensor::from_host({rows, kept}, out);
}

void copy_into(Tensor& dst, const Tensor& src) {
    REQUIRE(dst.shape() == src.shape());
    std::copy(src.data(), src.data() + src.numel(), dst.data());
}

void run_reference_training(const std::string& file) {
    CAPTURE(file);
    const SafeTensorsFile f = load_reference(file);
    NetConfig cfg;
    cfg.patch = std::stoi(f.metadata.at("patch"));
    cfg.same = f.metadata.at("same") == "1";
    cfg.filters = std::stoi(f.metadata.at("filters"));
    cfg.fc = std::stoi(f.metadata.at("fc"));
    const bool with_mask = f.contains("dropout_mask");
    cfg.dropout = with_mask ? 0.5f : 0.0f;  // p = 0: ops::dropout keeps every unit, scale 1
    Network net(cfg, 1);

    for (auto& [name, t] : net.state()) {
        if (name == "fc1.weight" && !f.contains("init.fc1.weight")) {
            const uint64_t seed = std::stoull(f.metadata.at("fc1_weight_init").substr(std::string("philox he-uniform seed=").size()));
            Tensor w = philox_he_uniform(t->dim(0), t->dim(1), seed);
            const std::vector<float> all = w.to_host();
            Tensor row0 = Tensor::from_host({t->dim(1)}, std::vector<float>(all.begin(), all.begin() + t->dim(1)));
            check_close("regenerated init.fc1.weight row 0", row0, f.tensor("init.fc1.weight.row0"), Tolerance{0, 0});
            copy_into(*t, w);
        } else {
            copy_into(*t, f.tensor("init." + name));
        }
    }

    const Tensor& x = f.tensor("input");
    const Tensor& labels = f.tensor("labels");
    Tensor mask = with_mask ? f.tensor("dropout_mask") : Tensor();
    Adam adam(net.parameter_tensors(), 1e-3f, 0.9f, 0.999f, 1e-8f);
    for (int step = 1; step <= 3; ++step) {
        const std::string s = "step" + std::to_string(step) + ".";
        CAPTURE(step);
        adam.zero_grad();
        Tensor logits = net.forward(x, true, static_cast<uint64_t>(step), with_mask ? &mask : nullptr);
        Tensor loss = ops::softmax_cross_entropy(logits, labels);
        loss.backward();
        adam.step();
        check_close(s + "loss", loss, f.tensor(s + "loss"), kActivations);
        check_close(s + "logits", logits, f.tensor(s + "logits"), kActivations);
        for (auto& [name, t] : net.state()) {
            if (f.contains(s + name))
                check_close(s + name, *t, f.tensor(s + name), tolerance_for(name));
            else
                check_close(s + name + " (every 16th column)", every_nth_column(*t, 16), f.tensor(s + name + ".cols16"),
                            tolerance_for(name));
        }
    }
}

}  // namespace

TEST_CASE("reference: three Adam steps of the N=49 same network, no dropout") {
    run_reference_training("train_49same_nodropout.safetensors");
}

TEST_CASE("reference: three Adam steps of the N=29 same network, injected dropout mask") {
    run_reference_training("train_29same_mask.safetensors");
}

TEST_CASE("reference: three Adam steps of the N=49 valid network, injected dropout mask") {
    run_reference_training("train_49valid_mask.safetensors");
}
