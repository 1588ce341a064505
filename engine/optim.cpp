// engine/optim.cpp — Adam and SGD over a list of parameter tensors (see engine/optim.h). The
// arithmetic is the backend's fused adam_step / sgd_step; this file keeps the state tensors,
// the step count, and their checkpoint form.
#include "engine/optim.h"

#include <charconv>
#include <string>

#include "engine/error.h"
#include "engine/safetensors.h"

namespace mcseg {

namespace {

std::vector<Tensor> zeros_like(const std::vector<Tensor>& ts) {
    std::vector<Tensor> out;
    for (const Tensor& t : ts) out.push_back(Tensor::zeros(t.shape(), t.device()));
    return out;
}

void check_params(const std::vector<Tensor>& params, const char* who) {
    for (size_t i = 0; i < params.size(); ++i)
        if (!params[i].defined()) fail(who, ": parameter ", i, " is undefined");
}

void check_names(const std::vector<std::string>& names, size_t n, const char* who) {
    if (names.size() != n)
        fail(who, ": ", names.size(), " names for ", n, " parameters");
}

// Copies a file tensor into an existing state tensor after checking its shape.
void restore(const SafeTensorsFile& f, const std::string& name, Tensor& dst) {
    const Tensor& src = f.tensor(name);
    if (src.shape() != dst.shape())
        fail(f.path, ": optimiser state '", name, "' has shape ", shape_str(src.shape()),
             ", the parameter has ", shape_str(dst.shape()));
    std::vector<float> host = src.to_host();
    dst.backend().copy_from_host(dst.data(), host.data(), host.size() * sizeof(float));
}

// Shortest text that reads back as the same float.
std::string float_str(float x) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, x);
    return std::string(buf, r.ptr);
}

std::string meta(const SafeTensorsFile& f, const std::string& key) {
    auto it = f.metadata.find(key);
    if (it == f.metadata.end()) fail(f.path, ": checkpoint metadata lacks '", key, "'");
    return it->second;
}

}  // namespace

// ---- Adam ------------------------------------------------------------------------------------

Adam::Adam(std::vector<Tensor> ps, float lr_, float b1, float b2, float eps_)
    : lr(lr_), beta1(b1), beta2(b2), eps(eps_), params(std::move(ps)) {
    check_params(params, "Adam");
    if (!(lr > 0.0f)) fail("Adam: learning rate must be positive, got ", lr);
    if (!(beta1 >= 0.0f && beta1 < 1.0f && beta2 >= 0.0f && beta2 < 1.0f))
        fail("Adam: betas must be in [0, 1), got ", beta1, " and ", beta2);
    m = zeros_like(params);
    v = zeros_like(params);
}

void Adam::step() {
    ++step_count;
    for (size_t i = 0; i < params.size(); ++i) {
        Tensor g = params[i].grad();
        if (!g.defined()) continue;
        params[i].backend().adam_step(params[i].numel(), params[i].data(), g.data(), m[i].data(),
                                      v[i].data(), lr, beta1, beta2, eps, step_count);
    }
}

void Adam::zero_grad() {
    for (Tensor& p : params) p.zero_grad();
}

std::vector<std::pair<std::string, Tensor>> Adam::state_tensors(const std::vector<std::string>& names) const {
    check_names(names, params.size(), "Adam::state_tensors");
    std::vector<std::pair<std::string, Tensor>> out;
    for (size_t i = 0; i < params.size(); ++i) {
        out.emplace_back("adam.m." + names[i], m[i]);
        out.emplace_back("adam.v." + names[i], v[i]);
    }
    return out;
}

std::map<std::string, std::string> Adam::state_metadata() const {
    return {{"adam.step", std::to_string(step_count)}, {"adam.lr", float_str(lr)},
            {"adam.beta1", float_str(beta1)}, {"adam.beta2", float_str(beta2)}, {"adam.eps", float_str(eps)}};
}

void Adam::load_state(const SafeTensorsFile& f, const std::vector<std::string>& names) {
    check_names(names, params.size(), "Adam::load_state");
    for (size_t i = 0; i < params.size(); ++i) {
        restore(f, "adam.m." + names[i], m[i]);
        restore(f, "adam.v." + names[i], v[i]);
    }
    try {
        step_count = std::stoll(meta(f, "adam.step"));
        lr = std::stof(meta(f, "adam.lr"));
        beta1 = std::stof(meta(f, "adam.beta1"));
        beta2 = std::stof(meta(f, "adam.beta2"));
        eps = std::stof(meta(f, "adam.eps"));
    } catch (const std::logic_error&) {  // stoll/stof: not a number or out of range
        fail(f.path, ": malformed Adam metadata");
    }
}

// ---- SGD -------------------------------------------------------------------------------------

SGD::SGD(std::vector<Tensor> ps, float lr_, float momentum_)
    : lr(lr_), momentum(momentum_), params(std::move(ps)) {
    check_params(params, "SGD");
    if (!(lr > 0.0f)) fail("SGD: learning rate must be positive, got ", lr);
    if (!(momentum >= 0.0f && momentum < 1.0f)) fail("SGD: momentum must be in [0, 1), got ", momentum);
    if (momentum > 0.0f) velocity = zeros_like(params);
}

void SGD::step() {
    ++step_count;
    for (size_t i = 0; i < params.size(); ++i) {
        Tensor g = params[i].grad();
        if (!g.defined()) continue;
        params[i].backend().sgd_step(params[i].numel(), params[i].data(), g.data(),
                                     velocity.empty() ? nullptr : velocity[i].data(), lr, momentum);
    }
}

void SGD::zero_grad() {
    for (Tensor& p : params) p.zero_grad();
}

std::vector<std::pair<std::string, Tensor>> SGD::state_tensors(const std::vector<std::string>& names) const {
    check_names(names, params.size(), "SGD::state_tensors");
    std::vector<std::pair<std::string, Tensor>> out;
    for (size_t i = 0; i < velocity.size(); ++i) out.emplace_back("sgd.velocity." + names[i], velocity[i]);
    return out;
}

std::map<std::string, std::string> SGD::state_metadata() const {
    return {{"sgd.step", std::to_string(step_count)}, {"sgd.lr", float_str(lr)}, {"sgd.momentum", float_str(momentum)}};
}

void SGD::load_state(const SafeTensorsFile& f, const std::vector<std::string>& names) {
    check_names(names, params.size(), "SGD::load_state");
    try {
        step_count = std::stoll(meta(f, "sgd.step"));
        lr = std::stof(meta(f, "sgd.lr"));
        momentum = std::stof(meta(f, "sgd.momentum"));
    } catch (const std::logic_error&) {
        fail(f.path, ": malformed SGD metadata");
    }
    if (momentum > 0.0f && velocity.empty()) velocity = zeros_like(params);
    for (size_t i = 0; i < velocity.size(); ++i) restore(f, "sgd.velocity." + names[i], velocity[i]);
}

}  // namespace mcseg
