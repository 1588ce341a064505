// nets/network.h — the paper's CNN (Valvano et al.), used for both the Detector and the
// Segmentator: six 3×3 convolutions, max-pool after the first two, batch norm + ReLU after every
// layer but the last, FC 64 with dropout, FC 2.
//
//   conv1 -> bn1 -> relu -> maxpool ; conv2 -> bn2 -> relu -> maxpool ;
//   conv3..conv6 each -> bnK -> relu ;
//   flatten -> fc1 (fc) -> bn7 (BatchNorm1d) -> relu -> dropout(p) -> fc2 (2)
//
// Tensor names follow a PyTorch state_dict (conv1.weight, bn1.running_mean, fc2.bias, ...), so
// weights load into the PyTorch reference model and back. "same" pads every conv by 1; "valid"
// pads none, which needs N >= 42 (49 -> 47 -> 23 -> 21 -> 10 -> 8 -> 6 -> 4 -> 2).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/backend.h"
#include "engine/tensor.h"

namespace mcseg {

struct NetConfig {
    int patch = 49;       // N, the side of the square input patch
    bool same = true;     // zero padding 1 ("same") or none ("valid")
    int filters = 32;     // channels of every conv layer (the paper does not state it)
    int fc = 64;          // width of fc1
    float dropout = 0.5f;
    float bn_momentum = 0.1f;
    float bn_eps = 1e-5f;
    // The pixel normalisation of its input, "breast-z" or "local-noise": part of what the weights
    // mean, so it travels with them (apps/imaging/normalise.h says what each is and checks it).
    std::string input = "breast-z";
    // The pixel spacing of the images it was trained on, in mm (0: not recorded); inference
    // resamples other images to it (apps/segment/pipeline.h).
    double spacing_mm = 0;

    // The trunk's layers: six 3×3 convs, a 2×2 max-pool after the first two (the one home of
    // that rule: Network::trunk, the sizes below and the dense mode's à-trous trunk follow it).
    static constexpr int kConvLayers = 6;
    static bool pooled_after(int layer) { return layer < 2; }

    // Throws mcseg::Error naming the problem (e.g. a valid net with N < 42).
    void validate() const;
    // Side of the feature map after conv6 (12 for N = 49 same, 2 for N = 49 valid).
    int final_side() const { return trunk_side(patch); }
    // Side of the conv trunk's output for an input side (floor pooling; may be < 1 when too small).
    int trunk_side(int input_side) const;
    // Multiply-adds × 2 of one patch's forward pass through the convs and FCs (the FLOPs the
    // benchmarks report; batch norm, ReLU and pooling are a rounding error beside them).
    double forward_flops() const { return trunk_flops(patch, patch) + head_flops(); }
    // The same count for the conv trunk on an h × w input, and for the FCs of one patch.
    double trunk_flops(int h, int w) const;
    // The shapes of conv1..conv6 on a batch of n inputs h × w, in order (pools between them).
    std::vector<Conv3x3Shape> conv_shapes(int n, int h, int w) const;
    double head_flops() const;
    // Learned parameters plus batch-norm running statistics (a double: a hostile config must not
    // overflow the count that rejects it).
    double state_floats() const;
    std::string to_json() const;
    static NetConfig from_json(const std::string& json);  // missing keys keep their defaults
};

class Network {
public:
    Network(const NetConfig& cfg, uint64_t seed, Device d = Device::CPU);

    // x [n, 1, N, N] -> logits [n, 2]. In training, dropout uses (seed, dropout_stream), or the
    // given mask [n, fc] (already scaled by 1/(1-p)) when dropout_mask is non-null.
    Tensor forward(const Tensor& x, bool training, uint64_t dropout_stream = 0,
                   const Tensor* dropout_mask = nullptr);
    // The FC features after bn7 + relu, [n, fc] (before dropout).
    Tensor features(const Tensor& x, bool training);

    // The two halves of forward, for inputs other than one patch (apps/segment/dense.h):
    // trunk: conv1..conv6 with their batch norms, ReLUs and pools on x [n, 1, H, W] of any size
    // the pools leave something of -> [n, filters, trunk_side(H), trunk_side(W)]. In eval mode
    // it is translation-equivariant with stride 4 (up to the zero padding at the border), and
    // without a tape (NoGradGuard) it runs the convs with their batch norms folded in.
    Tensor trunk(const Tensor& x, bool training);
    // head_features: fc1 -> bn7 -> relu on flat [n, filters·S·S] (S = final_side, index
    // c·S·S + y·S + x as ops::flatten lays out the trunk of one patch) -> [n, fc].
    Tensor head_features(const Tensor& flat, bool training);
    // head: head_features -> dropout (training; as in forward) -> fc2 -> logits [n, 2].
    Tensor head(const Tensor& flat, bool training, uint64_t dropout_stream = 0,
                const Tensor* dropout_mask = nullptr);

    // Conv layer k (0..5) in eval mode with its batch norm folded in: weight·γ/√(var+ε) and
    // (bias − mean)·γ/√(var+ε) + β, so relu(conv3x3(x, w, b)) is the layer's eval output without
    // the batch norm's pass over memory (the dense mode's trunk, apps/segment/dense.cpp).
    std::pair<Tensor, Tensor> folded_conv(int k) const;

    std::vector<std::pair<std::string, Tensor*>> parameters();  // trainable, in layer order
    std::vector<std::pair<std::string, Tensor*>> state();       // parameters + running stats
    std::vector<Tensor> parameter_tensors();                    // for an optimiser
    std::vector<std::string> parameter_names();
    void to(Device d);  // moves every tensor; make optimisers after this

    const NetConfig& config() const { return cfg_; }
    Device device() const { return device_; }
    uint64_t seed() const { return seed_; }

private:
    struct Conv { Tensor weight, bias; };
    struct BatchNorm { Tensor weight, bias, running_mean, running_var; };
    struct Linear { Tensor weight, bias; };

    Tensor bn(BatchNorm& b, const Tensor& x, bool training);
    // The flattened trunk of patches x [n, 1, N, N] (checks the shape).
    Tensor patch_trunk(const Tensor& x, bool training);

    NetConfig cfg_;
    uint64_t seed_;
    Device device_;
    Conv conv_[NetConfig::kConvLayers];
    BatchNorm bn_[NetConfig::kConvLayers + 1];
    Linear fc1_, fc2_;
};

}  // namespace mcseg
