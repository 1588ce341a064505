// nets/weights.cpp — see weights.h.
#include "nets/weights.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "engine/error.h"
#include "engine/safetensors.h"

namespace mcseg {

std::vector<std::pair<std::string, Tensor>> named_state(Network& net) {
    std::vector<std::pair<std::string, Tensor>> out;
    for (auto& [name, t] : net.state()) out.emplace_back(name, *t);
    return out;
}

void save_network(const std::string& path, Network& net, const Metadata& metadata) {
    Metadata m = metadata;
    m["mcseg.net"] = net.config().to_json();
    save_safetensors(path, named_state(net), m);
}

// Every value finite and every running variance >= 0: a broken file fails here, not as a table
// of NaN losses.
static void check_state_values(Network& net, const std::string& path) {
    for (auto& [name, t] : net.state()) {
        const bool variance = name.ends_with("running_var");
        for (float v : t->to_host())
            if (!std::isfinite(v) || (variance && v < 0))
                fail("'", path, "': tensor '", name, "' holds ", v, variance ? " (a variance must be >= 0)" : "",
                     "; these weights are broken");
    }
}

Network load_network(const std::string& path, Device device, Metadata* metadata) {
    SafeTensorsFile f = load_safetensors(path);
    auto it = f.metadata.find("mcseg.net");
    if (it == f.metadata.end()) fail("'", path, "' holds no mcseg network config (metadata mcseg.net)");
    const NetConfig cfg = NetConfig::from_json(it->second);
    // A config that asks for more numbers than the file holds cannot match it: say so before
    // building (and allocating) the network it describes.
    double held = 0;
    for (const auto& [name, e] : f.entries) held += e.tensor.defined() ? double(e.tensor.numel()) : 0;
    if (cfg.state_floats() > held)
        fail("'", path, "': its config needs ", cfg.state_floats(), " numbers, the file holds ", held);
    Network net(cfg, 0, Device::CPU);
    load_into(f, net.state(), /*allow_extra=*/true);
    check_state_values(net, path);
    net.to(device);
    if (metadata) *metadata = f.metadata;
    return net;
}

std::string network_kind(const Metadata& meta, const std::string& path) {
    auto kind = meta.find("mcseg.kind");
    if (kind == meta.end()) fail("'", path, "' does not say which network it is (metadata mcseg.kind)");
    return kind->second;
}

bool checkpoint_only_key(const std::string& k) {
    return k == "mcseg.train" || k == "mcseg.schedule" || k == "mcseg.best_step" || k.rfind("adam.", 0) == 0;
}

double stored_threshold(const Metadata& metadata, const std::string& path, const char* key) {
    auto it = metadata.find(key);
    if (it == metadata.end()) return 0.5;
    char* end = nullptr;
    const double t = std::strtod(it->second.c_str(), &end);
    if (it->second.empty() || *end != '\0' || !(t > 0 && t < 1))
        fail("'", path, "': metadata ", key, " is '", it->second, "', not a number between 0 and 1");
    return t;
}

Network load_network_of_kind(const std::string& path, const std::string& kind, Device device, Metadata* metadata) {
    if (!std::filesystem::exists(path))
        fail("weights '", path, "' not found (train them with mcseg train, or see weights/)");
    Metadata meta;
    Network net = load_network(path, device, &meta);
    const std::string have = network_kind(meta, path);
    if (have != kind) fail("'", path, "' holds a ", have, ", not a ", kind);
    if (metadata) *metadata = std::move(meta);
    return net;
}

}  // namespace mcseg
