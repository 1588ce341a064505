// tests/test_engine_network.cpp — the paper's network: layer names and shapes (same and valid),
// the N >= 42 rule for valid, config JSON, seeded init, train vs eval, save/load of its state.
#include <doctest/doctest.h>

#include <filesystem>
#include <unistd.h>

#include "apps/cli/commands.h"
#include "engine/error.h"
#include "engine/ops.h"
#include "engine/philox.h"
#include "engine/safetensors.h"
#include "nets/network.h"
#include "nets/weights.h"

using namespace mcseg;

namespace {

std::vector<int> shape_of(Network& net, const std::string& name) {
    for (auto& [n, t] : net.state())
        if (n == name) return t->shape();
    FAIL("no tensor " << name);
    return {};
}

Tensor patches(int n, int side, uint64_t seed) {
    std::vector<float> v(static_cast<size_t>(n) * side * side);
    for (size_t i = 0; i < v.size(); ++i) v[i] = philox_uniform_at(seed, 0, i);
    return Tensor::from_host({n, 1, side, side}, v);
}

}  // namespace

TEST_CASE("engine: network names, order and shapes follow the paper") {
    NetConfig cfg;  // N = 49, same, 32 filters, fc 64
    Network net(cfg, 1);
    std::vector<std::string> names;
    for (auto& [n, t] : net.state()) names.push_back(n);
    REQUIRE(names.size() == 6 * 2 + 7 * 4 + 4);
    CHECK(names[0] == "conv1.weight");
    CHECK(names[2] == "bn1.weight");
    CHECK(names[4] == "bn1.running_mean");
    CHECK(names[5] == "bn1.running_var");
    CHECK(names[6] == "conv2.weight");
    CHECK(names[36] == "fc1.weight");
    CHECK(names[38] == "bn7.weight");
    CHECK(names.back() == "fc2.bias");
    CHECK(net.parameters().size() == 6 * 2 + 7 * 2 + 4);
    CHECK(shape_of(net, "conv1.weight") == std::vector<int>{32, 1, 3, 3});
    CHECK(shape_of(net, "conv4.weight") == std::vector<int>{32, 32, 3, 3});
    CHECK(shape_of(net, "fc1.weight") == std::vector<int>{64, 32 * 12 * 12});  // 49 -> 24 -> 12
    CHECK(shape_of(net, "bn7.running_var") == std::vector<int>{64});
    CHECK(shape_of(net, "fc2.weight") == std::vector<int>{2, 64});

    cfg.same = false;  // 49 -> 47 -> 23 -> 21 -> 10 -> 8 -> 6 -> 4 -> 2
    CHECK(cfg.final_side() == 2);
    Network valid(cfg, 1);
    CHECK(shape_of(valid, "fc1.weight") == std::vector<int>{64, 32 * 2 * 2});
    cfg.patch = 42;
    CHECK(cfg.final_side() == 1);
    CHECK_NOTHROW(cfg.validate());
    cfg.patch = 41;
    CHECK_THROWS_WITH_AS(cfg.validate(), doctest::Contains("N >= 42"), Error);
    cfg.same = true;
    CHECK_NOTHROW(cfg.validate());  // same convolutions work at 41
    cfg.patch = 3;
    CHECK_THROWS_AS(Network(cfg, 1), Error);
}

TEST_CASE("engine: network config to and from JSON") {
    NetConfig cfg;
    cfg.patch = 29;
    cfg.same = false;
    cfg.patch = 45;
    cfg.filters = 16;
    cfg.dropout = 0.25f;
    NetConfig back = NetConfig::from_json(cfg.to_json());
    CHECK(back.to_json() == cfg.to_json());
    CHECK(back.patch == 45);
    CHECK_FALSE(back.same);
    CHECK(back.filters == 16);
    CHECK(back.dropout == 0.25f);
    CHECK(NetConfig::from_json("{}").patch == 49);  // defaults
    CHECK_THROWS_WITH_AS(NetConfig::from_json(R"({"pach": 49})"), doctest::Contains("unknown key 'pach'"), Error);
    CHECK_THROWS_WITH_AS(NetConfig::from_json(R"({"patch": "49"})"), doctest::Contains("'patch'"), Error);
    CHECK_THROWS_WITH_AS(NetConfig::from_json(R"({"patch": 29, "same": false})"), doctest::Contains("N >= 42"), Error);
    CHECK_THROWS_AS(NetConfig::from_json("not json"), Error);
}

TEST_CASE("engine: network forward, seeding, train vs eval") {
    NetConfig cfg;
    cfg.patch = 29;
    cfg.filters = 8;
    cfg.fc = 16;
    Network a(cfg, 7), b(cfg, 7), c(cfg, 8);
    Tensor x = patches(4, 29, 3);
    NoGradGuard guard;
    std::vector<float> ya = a.forward(x, false).to_host();
    CHECK(a.forward(x, false).shape() == std::vector<int>{4, 2});
    CHECK(a.features(x, false).shape() == std::vector<int>{4, 16});
    CHECK(b.forward(x, false).to_host() == ya);  // same seed, same network
    CHECK(c.forward(x, false).to_host() != ya);
    CHECK(a.forward(x, false).to_host() == ya);  // eval is deterministic and changes nothing
    // training: batch statistics and dropout; dropout stream changes the output
    std::vector<float> t0 = a.forward(x, true, 0).to_host(), t1 = a.forward(x, true, 1).to_host();
    CHECK(t0 != ya);
    CHECK(t0 != t1);
    CHECK(a.forward(x, false).to_host() != ya);  // the running stats moved
    CHECK_THROWS_WITH_AS(a.forward(patches(1, 28, 1), false), doctest::Contains("[n, 1, 29, 29]"), Error);
}

TEST_CASE("engine: inference folds the batch norms into the convs and gives eval mode's outputs") {
    NetConfig cfg;
    cfg.patch = 29;
    cfg.filters = 8;
    cfg.fc = 16;
    Network net(cfg, 7);
    Tensor x = patches(6, 29, 3);
    for (int step = 0; step < 3; ++step) net.forward(x, true, step);  // running stats away from 0 and 1
    uint64_t stream = 10;
    for (auto& [name, t] : net.parameters())  // and γ, β away from their initial 1 and 0
        if (name.starts_with("bn")) {
            std::vector<float> v = t->to_host();
            for (size_t i = 0; i < v.size(); ++i) v[i] += philox_uniform_at(5, stream, i) - 0.5f;
            *t = Tensor::from_host(t->shape(), v);
            ++stream;
        }
    const std::vector<float> taped = net.forward(x, false).to_host();  // gradients on: batch norm as such
    std::vector<float> folded;
    {
        NoGradGuard guard;
        folded = net.forward(x, false).to_host();
    }
    REQUIRE(folded.size() == taped.size());
    for (size_t i = 0; i < taped.size(); ++i) CHECK(folded[i] == doctest::Approx(taped[i]).epsilon(1e-4));
}

TEST_CASE("engine: network state round trips through safetensors") {
    NetConfig cfg;
    cfg.patch = 29;
    cfg.filters = 4;
    cfg.fc = 8;
    Network a(cfg, 1), b(cfg, 2);
    Tensor x = patches(3, 29, 5);
    {
        NoGradGuard guard;
        a.forward(x, true);  // move the running stats away from their initial values
    }
    std::vector<std::pair<std::string, Tensor>> tensors;
    for (auto& [n, t] : a.state()) tensors.emplace_back(n, *t);
    const auto path = std::filesystem::temp_directory_path() / ("mcseg-net-" + std::to_string(::getpid()));
    save_safetensors(path.string(), tensors, {{"config", cfg.to_json()}});
    SafeTensorsFile f = load_safetensors(path.string());
    std::filesystem::remove(path);
    CHECK(NetConfig::from_json(f.metadata.at("config")).to_json() == cfg.to_json());
    load_into(f, b.state());
    NoGradGuard guard;
    CHECK(b.forward(x, false).to_host() == a.forward(x, false).to_host());

    cfg.filters = 5;
    Network wrong(cfg, 1);
    CHECK_THROWS_WITH_AS(load_into(f, wrong.state()), doctest::Contains("'conv1.weight' has shape [4, 1, 3, 3]"), Error);
}

TEST_CASE("engine: mcseg toy trains briefly and saves weights every command can load") {
    const auto dir = std::filesystem::temp_directory_path() / ("mcseg-toy-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::string out = dir.string();
    const char* argv[] = {"toy", "--out", out.c_str(), "--steps", "3", "--seed", "2"};
    CHECK(commands().all().at("toy").run(7, const_cast<char**>(argv)) == 0);
    Metadata meta;
    Network net = load_network((dir / "best.safetensors").string(), Device::CPU, &meta);
    CHECK(net.config().patch == 29);
    CHECK(net.config().filters == 16);
    CHECK(meta.at("mcseg.kind") == "toy");
    CHECK(meta.at("mcseg.step") == "3");
    // The folder holds a run now: a second toy run into it is refused, as `mcseg train` refuses.
    CHECK_THROWS_AS(commands().all().at("toy").run(7, const_cast<char**>(argv)), Error);
    std::filesystem::remove_all(dir);
    const char* bad[] = {"toy", "--out", out.c_str(), "--steps", "0"};
    CHECK_THROWS_AS(commands().all().at("toy").run(5, const_cast<char**>(bad)), Error);
}
