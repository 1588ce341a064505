// tests/test_reliability_inputs.cpp — hostile inputs that once crashed or ran away (issue 18):
// each case failed before its fix. Pixel spacings of 1e30, networks too large to build, empty
// copies with null pointers.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "apps/cli/commands.h"
#include "apps/dataset/patch_db.h"
#include "apps/io/gray_image.h"
#include "apps/io/image_folder.h"
#include "apps/segment/clusters.h"
#include "apps/terminal/interrupt.h"
#include "engine/backend.h"
#include "engine/error.h"
#include "engine/safetensors.h"
#include "nets/network.h"
#include "nets/weights.h"
#include "tests/test_data_fixture.h"

using namespace mcseg;
namespace fs = std::filesystem;
using test::error_of;

TEST_CASE("reliability: pixel spacings that are not millimetres are refused with the source named") {
    const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
    for (double bad : {0.0, -0.07, 1e30, inf, nan})
        CHECK(error_of([&] { checked_spacing_mm(bad, "--pixel-spacing"); }).find("--pixel-spacing") == 0);
    CHECK(checked_spacing_mm(0.07, "x") == 0.07);

    fs::path dir = fs::temp_directory_path() / ("mcseg_test_far_sidecar_" + std::to_string(getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "a.json") << R"({"pixel_spacing_mm": 1e30})";
    const std::string e = error_of([&] { sidecar_spacing((dir / "a.json").string()); });
    CHECK(e.find("a.json") != std::string::npos);
    CHECK(e.find("plausible") != std::string::npos);
    std::ofstream(dir / "b.json") << "[0.07]";  // once silently read as "no spacing given"
    CHECK(error_of([&] { sidecar_spacing((dir / "b.json").string()); }).find("must be an object") != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("reliability: the cluster sweep survives a window far below one pixel") {
    // A spacing of 1e30 mm makes the 1 cm window 1e-29 px wide: every MC is its own strip.
    std::vector<Point2> pts;
    for (int i = 0; i < 8; ++i) pts.push_back({double(i % 3), double(i / 3)});
    CHECK(find_clusters(pts, 1e30, 6, 10.0).empty());
    // Six MCs on one pixel still form a cluster however small the window is.
    std::vector<Point2> same(6, Point2{4.0, 4.0});
    CHECK(find_clusters(same, 1e30, 6, 10.0).size() == 1);
    CHECK(!error_of([&] { find_clusters(pts, std::numeric_limits<double>::infinity(), 6, 10.0); }).empty());
}

TEST_CASE("reliability: a network config too large to build is refused before any memory is taken") {
    NetConfig c;
    c.patch = 4096;
    c.filters = 2048;  // once overflowed int in the fc1 shape
    CHECK(error_of([&] { c.validate(); }).find("more than the limit") != std::string::npos);
    // The count the check relies on is the network's true size.
    for (bool same : {true, false}) {
        NetConfig n;
        n.same = same;
        n.filters = 5;
        n.fc = 7;
        Network net(n, 1);
        double held = 0;
        for (auto& [name, t] : net.state()) held += double(t->numel());
        CHECK(n.state_floats() == held);
    }
}

TEST_CASE("reliability: weights whose config asks for more than the file holds fail at once") {
    // A small valid file whose config claims 4096 filters: 6 GB of network, once built before the
    // shapes were compared.
    NetConfig small;
    small.filters = 2;
    small.fc = 4;
    Network net(small, 1);
    NetConfig big = small;
    big.filters = 1024;
    fs::path p = fs::temp_directory_path() / ("mcseg_test_bigcfg_" + std::to_string(getpid()) + ".safetensors");
    save_safetensors(p.string(), named_state(net), {{"mcseg.net", big.to_json()}, {"mcseg.kind", "detector"}});
    const auto t0 = std::chrono::steady_clock::now();
    const std::string e = error_of([&] { load_network(p.string(), Device::CPU); });
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
    CHECK(e.find("the file holds") != std::string::npos);
    fs::remove(p);
}

// memcpy(nullptr, nullptr, 0) is undefined behaviour: only the sanitizer build can see it fail.
TEST_CASE("reliability: copies of zero bytes take no pointers") {
    Backend& b = cpu_backend();
    b.copy(nullptr, nullptr, 0);
    b.copy_from_host(nullptr, nullptr, 0);
    b.copy_to_host(nullptr, nullptr, 0);
}

TEST_CASE("reliability: SIGTERM during training is a request to stop, as Ctrl-C is") {
    InterruptScope scope;
    std::raise(SIGTERM);  // once killed the process (exit 143) without a checkpoint
    CHECK(scope.flag()->load());
    CHECK(scope.exit_status() == 143);
}

TEST_CASE("reliability: train --resume refuses options it would otherwise ignore") {
    for (const char* option : {"--batch", "--lr", "--filters", "--out", "--net"})
        CHECK(error_of([&] { run_command({"train", "--resume", "/nonexistent/run", option, "7"}); }).find(option) !=
              std::string::npos);
}

namespace {
// A safetensors file with this header (spaces pad it) and `data_bytes` zero bytes of data.
fs::path raw_safetensors(const std::string& header, size_t data_bytes) {
    fs::path p = fs::temp_directory_path() / ("mcseg_test_raw_" + std::to_string(getpid()) + ".safetensors");
    std::string h = header;
    while (h.size() % 8) h += ' ';
    const uint64_t len = h.size();
    std::ofstream f(p, std::ios::binary);
    f.write(reinterpret_cast<const char*>(&len), 8);
    f << h << std::string(data_bytes, '\0');
    return p;
}
}  // namespace

TEST_CASE("reliability: safetensors naming a tensor twice or sharing bytes between tensors are refused") {
    fs::path p = raw_safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                 R"("a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", 16);
    CHECK(error_of([&] { load_safetensors(p.string()); }).find("names 'a' twice") != std::string::npos);
    p = raw_safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                        R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 16);
    CHECK(error_of([&] { load_safetensors(p.string()); }).find("share the data bytes [4, 8)") != std::string::npos);
    p = raw_safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                        R"("b":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}})", 8);
    CHECK(load_safetensors(p.string()).entries.size() == 2);  // an empty tensor shares nothing
    fs::remove(p);
}

TEST_CASE("reliability: weights holding NaN or a negative running variance are refused") {
    NetConfig c;
    c.filters = 2;
    c.fc = 4;
    for (const char* broken : {"conv3.weight", "bn2.running_var"}) {
        Network net(c, 1);
        for (auto& [name, t] : net.state())
            if (name == broken) t->data()[1] = name.ends_with("running_var") ? -1.0f : std::nanf("");
        fs::path p = fs::temp_directory_path() / ("mcseg_test_broken_" + std::to_string(getpid()) + ".safetensors");
        save_network(p.string(), net, {});
        CHECK(error_of([&] { load_network(p.string(), Device::CPU); }).find(broken) != std::string::npos);
        fs::remove(p);
    }
}

TEST_CASE("reliability: a network config whose bn_eps is beyond float is refused, not saved unreadable") {
    // Found by tests/fuzz/fuzz_net_config: bn_eps 4.4e40 became +inf as a float and passed
    // validation; to_json wrote it as null, so the weights saved with it could not be loaded.
    const std::string e = error_of([] { NetConfig::from_json(R"({"patch":4,"filters":1,"bn_eps":4.4e40})"); });
    CHECK(e.find("bn_eps must be positive and finite") != std::string::npos);
}

TEST_CASE("reliability: a damaged patch database pairing a patch with an unlisted image is an Error") {
    // Found by tests/fuzz/fuzz_patch_db: a seed database with a few bytes mutated (kept in
    // tests/fuzz/regressions/); its patch query returned an image id that the image query did
    // not, and std::map::at threw std::out_of_range instead of an mcseg::Error.
    PatchDbReader db("tests/fuzz/regressions/patch_db_orphan_patch.db");
    std::string e;
    for (const char* split : {"train", "val", "test", "all"})
        if (e.empty()) e = error_of([&] { db.patches(split); });
    CHECK(e.find("not among its images") != std::string::npos);
}
