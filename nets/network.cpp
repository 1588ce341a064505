// nets/network.cpp — builds, runs and names the paper's network (see nets/network.h).
//
// Initialisation: conv and fc weights He-normal from Philox with the network's seed and one
// stream per layer, streams::kNetInit (2^63) + k for conv1..conv6 (k = 0..5), fc1 (6) and fc2 (7)
// — far from the small stream numbers dropout uses (training steps) — biases 0; batch norm γ = 1, β = 0,
// running mean 0, running variance 1 (PyTorch's defaults).
#include "nets/network.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "engine/error.h"
#include "engine/init.h"
#include "engine/ops.h"
#include "engine/random.h"

namespace mcseg {

// ---- configuration ------------------------------------------------------------------------------

int NetConfig::trunk_side(int input_side) const {
    const int shrink = same ? 0 : 2;  // per conv
    int side = input_side;
    for (int layer = 0; layer < kConvLayers; ++layer) {
        side -= shrink;
        if (pooled_after(layer)) side /= 2;
    }
    return side;
}

std::vector<Conv3x3Shape> NetConfig::conv_shapes(int n, int h, int w) const {
    std::vector<Conv3x3Shape> layers;
    for (int layer = 0; layer < kConvLayers; ++layer) {
        const Conv3x3Shape s{n, layer == 0 ? 1 : filters, h, w, filters, same ? 1 : 0};
        layers.push_back(s);
        h = pooled_after(layer) ? s.h_out() / 2 : s.h_out();
        w = pooled_after(layer) ? s.w_out() / 2 : s.w_out();
    }
    return layers;
}

double NetConfig::trunk_flops(int h, int w) const {
    double flops = 0;
    for (const Conv3x3Shape& s : conv_shapes(1, h, w)) flops += s.flops();
    return flops;
}

double NetConfig::head_flops() const {
    const int side = final_side();
    return 2.0 * filters * side * side * fc + 2.0 * fc * 2;
}

double NetConfig::state_floats() const {
    const double f = filters, side = final_side();
    const double convs = 9.0 * f + f + 5 * (9.0 * f * f + f);
    const double fcs = double(fc) * f * side * side + fc + 2.0 * fc + 2;
    return convs + fcs + 4.0 * (6 * f + fc);  // + batch norm γ, β, running mean and variance
}

// The largest network anyone could mean (about 1 GB of floats): larger is a bad config, caught
// before any memory is taken.
static constexpr double kMaxStateFloats = 256.0 * 1024 * 1024;

void NetConfig::validate() const {
    if (!same && patch < 42)
        fail("network: a valid-convolution network needs patch N >= 42 (six 3x3 convs and two "
             "pools leave nothing smaller), got N = ", patch);
    if (patch < 4 || final_side() < 1)
        fail("network: patch N = ", patch, " is too small (needs N >= 4 with same convolutions)");
    if (patch > 4096) fail("network: patch N = ", patch, " is unreasonably large");
    if (filters < 1 || filters > 4096) fail("network: filters must be in 1..4096, got ", filters);
    if (fc < 1 || fc > 65536) fail("network: fc must be in 1..65536, got ", fc);
    if (!(dropout >= 0.0f && dropout < 1.0f)) fail("network: dropout must be in [0, 1), got ", dropout);
    if (!(bn_momentum >= 0.0f && bn_momentum <= 1.0f))
        fail("network: bn_momentum must be in [0, 1], got ", bn_momentum);
    if (!(bn_eps > 0.0f && std::isfinite(bn_eps))) fail("network: bn_eps must be positive and finite, got ", bn_eps);
    if (!(spacing_mm >= 0 && spacing_mm < 10)) fail("network: spacing_mm must be in [0, 10), got ", spacing_mm);
    if (state_floats() > kMaxStateFloats)
        fail("network: patch ", patch, ", filters ", filters, ", fc ", fc, " make ", state_floats(),
             " parameters, more than the limit of ", kMaxStateFloats);
}

// The double that prints like the float (0.1f -> 0.1, not 0.10000000149011612).
static double tidy(float f) {
    char buf[32];
    auto end = std::to_chars(buf, buf + sizeof buf, f).ptr;
    return std::strtod(std::string(buf, end).c_str(), nullptr);
}

std::string NetConfig::to_json() const {
    nlohmann::ordered_json j{{"patch", patch},          {"same", same},
                             {"filters", filters},      {"fc", fc},
                             {"dropout", tidy(dropout)}, {"bn_momentum", tidy(bn_momentum)},
                             {"bn_eps", tidy(bn_eps)}};
    if (input != "breast-z") j["input"] = input;  // older weights have no key: breast-z
    if (spacing_mm > 0) j["spacing_mm"] = spacing_mm;
    return j.dump();
}

NetConfig NetConfig::from_json(const std::string& text) {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) fail("network config: not a JSON object");
    NetConfig c;
    for (const auto& [key, v] : j.items()) {
        // (key = key: clang 14 cannot capture a structured binding implicitly)
        auto need = [&, &key = key](bool ok, const char* what) {
            if (!ok) fail("network config: '", key, "' must be ", what);
        };
        if (key == "patch") need(v.is_number_integer(), "an integer"), c.patch = v.get<int>();
        else if (key == "same") need(v.is_boolean(), "true or false"), c.same = v.get<bool>();
        else if (key == "filters") need(v.is_number_integer(), "an integer"), c.filters = v.get<int>();
        else if (key == "fc") need(v.is_number_integer(), "an integer"), c.fc = v.get<int>();
        else if (key == "dropout") need(v.is_number(), "a number"), c.dropout = v.get<float>();
        else if (key == "bn_momentum") need(v.is_number(), "a number"), c.bn_momentum = v.get<float>();
        else if (key == "bn_eps") need(v.is_number(), "a number"), c.bn_eps = v.get<float>();
        else if (key == "input") need(v.is_string(), "a string"), c.input = v.get<std::string>();
        else if (key == "spacing_mm") need(v.is_number(), "a number"), c.spacing_mm = v.get<double>();
        else fail("network config: unknown key '", key, "'");
    }
    c.validate();
    return c;
}

// ---- network ------------------------------------------------------------------------------------

Network::Network(const NetConfig& cfg, uint64_t seed, Device d) : cfg_(cfg), seed_(seed), device_(Device::CPU) {
    cfg_.validate();
    const int f = cfg_.filters;
    for (int k = 0; k < NetConfig::kConvLayers; ++k) {
        conv_[k].weight = Tensor::empty({f, k == 0 ? 1 : f, 3, 3});
        he_normal_(conv_[k].weight, seed, streams::kNetInit + static_cast<uint64_t>(k));
        conv_[k].bias = Tensor::zeros({f});
    }
    const int side = cfg_.final_side();
    fc1_.weight = Tensor::empty({cfg_.fc, f * side * side});
    he_normal_(fc1_.weight, seed, streams::kNetInit + 6);
    fc1_.bias = Tensor::zeros({cfg_.fc});
    fc2_.weight = Tensor::empty({2, cfg_.fc});
    he_normal_(fc2_.weight, seed, streams::kNetInit + 7);
    fc2_.bias = Tensor::zeros({2});
    for (int k = 0; k <= NetConfig::kConvLayers; ++k) {  // bn1..bn6 and bn7 (after fc1)
        const int c = k < NetConfig::kConvLayers ? f : cfg_.fc;
        bn_[k] = {Tensor::full({c}, 1.0f), Tensor::zeros({c}), Tensor::zeros({c}), Tensor::full({c}, 1.0f)};
    }
    for (auto& [name, t] : parameters()) t->set_requires_grad(true);
    to(d);
}

Tensor Network::bn(BatchNorm& b, const Tensor& x, bool training) {
    return ops::batchnorm(x, b.weight, b.bias, b.running_mean, b.running_var, training,
                          cfg_.bn_momentum, cfg_.bn_eps);
}

Tensor Network::trunk(const Tensor& x, bool training) {
    if (!x.defined() || x.rank() != 4 || x.dim(1) != 1)
        fail("network: expects input [n, 1, h, w], got ",
             x.defined() ? shape_str(x.shape()) : std::string("an undefined tensor"));
    if (x.device() != device_)
        fail("network: input on ", device_name(x.device()), ", network on ", device_name(device_));
    if (cfg_.trunk_side(x.dim(2)) < 1 || cfg_.trunk_side(x.dim(3)) < 1)
        fail("network: input ", shape_str(x.shape()), " is too small for the conv trunk");
    const int pad = cfg_.same ? 1 : 0;
    // In eval mode with no tape to record (inference), each batch norm is folded into its conv:
    // the same outputs up to rounding, without the batch norm's and the ReLU's passes over the maps.
    const bool fold = !training && !grad_enabled();
    Tensor h = x;
    for (int k = 0; k < NetConfig::kConvLayers; ++k) {
        if (fold) {
            const auto [w, b] = folded_conv(k);
            h = ops::conv3x3_relu(h, w, b, pad);
        } else {
            h = ops::relu(bn(bn_[k], ops::conv3x3(h, conv_[k].weight, conv_[k].bias, pad), training));
        }
        if (NetConfig::pooled_after(k)) h = ops::maxpool2x2(h);
    }
    return h;
}

std::pair<Tensor, Tensor> Network::folded_conv(int k) const {
    if (k < 0 || k >= NetConfig::kConvLayers) fail("network: no conv layer ", k);
    std::vector<float> w = conv_[k].weight.to_host(), b = conv_[k].bias.to_host();
    const std::vector<float> gamma = bn_[k].weight.to_host(), beta = bn_[k].bias.to_host(),
                             mean = bn_[k].running_mean.to_host(), var = bn_[k].running_var.to_host();
    const size_t per_out = w.size() / b.size();  // c_in · 9 weights per output channel
    for (size_t o = 0; o < b.size(); ++o) {
        const float scale = gamma[o] / std::sqrt(var[o] + cfg_.bn_eps);
        for (size_t i = 0; i < per_out; ++i) w[o * per_out + i] *= scale;
        b[o] = (b[o] - mean[o]) * scale + beta[o];
    }
    return {Tensor::from_host(conv_[k].weight.shape(), w, device_), Tensor::from_host(conv_[k].bias.shape(), b, device_)};
}

Tensor Network::patch_trunk(const Tensor& x, bool training) {
    const int N = cfg_.patch;
    if (!x.defined() || x.rank() != 4 || x.dim(1) != 1 || x.dim(2) != N || x.dim(3) != N)
        fail("network: expects input [n, 1, ", N, ", ", N, "], got ",
             x.defined() ? shape_str(x.shape()) : std::string("an undefined tensor"));
    return ops::flatten(trunk(x, training));
}

Tensor Network::head_features(const Tensor& flat, bool training) {
    return ops::relu(bn(bn_[6], ops::linear(flat, fc1_.weight, fc1_.bias), training));
}

Tensor Network::head(const Tensor& flat, bool training, uint64_t dropout_stream, const Tensor* dropout_mask) {
    Tensor h = head_features(flat, training);
    if (training)
        h = dropout_mask ? ops::mul_mask(h, *dropout_mask)
                         : ops::dropout(h, cfg_.dropout, seed_, dropout_stream, true);
    return ops::linear(h, fc2_.weight, fc2_.bias);
}

Tensor Network::features(const Tensor& x, bool training) {
    return head_features(patch_trunk(x, training), training);
}

Tensor Network::forward(const Tensor& x, bool training, uint64_t dropout_stream, const Tensor* dropout_mask) {
    return head(patch_trunk(x, training), training, dropout_stream, dropout_mask);
}

std::vector<std::pair<std::string, Tensor*>> Network::parameters() {
    std::vector<std::pair<std::string, Tensor*>> p;
    for (int k = 0; k < 6; ++k) {
        const std::string conv = "conv" + std::to_string(k + 1), bn = "bn" + std::to_string(k + 1);
        p.emplace_back(conv + ".weight", &conv_[k].weight);
        p.emplace_back(conv + ".bias", &conv_[k].bias);
        p.emplace_back(bn + ".weight", &bn_[k].weight);
        p.emplace_back(bn + ".bias", &bn_[k].bias);
    }
    p.emplace_back("fc1.weight", &fc1_.weight);
    p.emplace_back("fc1.bias", &fc1_.bias);
    p.emplace_back("bn7.weight", &bn_[6].weight);
    p.emplace_back("bn7.bias", &bn_[6].bias);
    p.emplace_back("fc2.weight", &fc2_.weight);
    p.emplace_back("fc2.bias", &fc2_.bias);
    return p;
}

std::vector<std::pair<std::string, Tensor*>> Network::state() {
    std::vector<std::pair<std::string, Tensor*>> s;
    for (auto& [name, t] : parameters()) {
        s.emplace_back(name, t);
        if (name.starts_with("bn") && name.ends_with(".bias")) {  // running stats follow each bn
            const std::string layer = name.substr(0, name.find('.'));
            BatchNorm& b = bn_[std::stoi(layer.substr(2)) - 1];
            s.emplace_back(layer + ".running_mean", &b.running_mean);
            s.emplace_back(layer + ".running_var", &b.running_var);
        }
    }
    return s;
}

std::vector<Tensor> Network::parameter_tensors() {
    std::vector<Tensor> out;
    for (auto& [name, t] : parameters()) out.push_back(*t);
    return out;
}

std::vector<std::string> Network::parameter_names() {
    std::vector<std::string> out;
    for (auto& [name, t] : parameters()) out.push_back(name);
    return out;
}

void Network::to(Device d) {
    if (d == device_) return;
    for (auto& [name, t] : state()) {
        const bool trainable = t->requires_grad();
        *t = t->to(d);
        t->set_requires_grad(trainable);
    }
    device_ = d;
}

}  // namespace mcseg
