// tests/test_engine_safetensors.cpp — safetensors round trip (tensors, metadata, optimiser
// state) and clear errors for truncated, malformed and mismatching files.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "engine/error.h"
#include "engine/optim.h"
#include "engine/safetensors.h"

using namespace mcseg;
namespace fs = std::filesystem;

namespace {

// A fresh folder under the system temp folder, removed at the end of the test.
struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() / ("mcseg-st-" + std::to_string(::getpid()) + "-" +
                                            std::to_string(reinterpret_cast<uintptr_t>(this)));
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};

std::string read_bytes(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary) << bytes;
}

// A file with the given header text and data bytes.
std::string file_with_header(const std::string& header, size_t data_bytes) {
    uint64_t len = header.size();
    std::string out(8, '\0');
    std::memcpy(out.data(), &len, 8);
    return out + header + std::string(data_bytes, '\0');
}

void check_error(const std::string& path, const std::string& needle) {
    try {
        load_safetensors(path);
        FAIL("expected an error mentioning '" << needle << "'");
    } catch (const Error& e) {
        CHECK_MESSAGE(std::string(e.what()).find(needle) != std::string::npos, e.what());
    }
}

}  // namespace

TEST_CASE("engine: safetensors round trip with metadata") {
    TempDir dir;
    Tensor a = Tensor::from_host({2, 3}, {1, 2, 3, 4, 5, 6}), b = Tensor::from_host({1}, {-7.5f});
    save_safetensors(dir / "w.safetensors", {{"layer.weight", a}, {"layer.bias", b}},
                     {{"format", "pt"}, {"note", "hello"}});
    // Only the target remains: the temporary file was renamed into place.
    CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);

    std::string bytes = read_bytes(dir / "w.safetensors");
    uint64_t header_len;
    std::memcpy(&header_len, bytes.data(), 8);
    CHECK(header_len % 8 == 0);
    CHECK(bytes.size() == 8 + header_len + 7 * 4);
    CHECK(bytes.find("\"dtype\":\"F32\"") != std::string::npos);

    SafeTensorsFile f = load_safetensors(dir / "w.safetensors");
    CHECK(f.entries.size() == 2);
    CHECK(f.tensor("layer.weight").shape() == std::vector<int>{2, 3});
    CHECK(f.tensor("layer.weight").to_host() == a.to_host());
    CHECK(f.tensor("layer.bias").to_host() == b.to_host());
    CHECK(f.metadata.at("note") == "hello");
    CHECK_THROWS_AS(f.tensor("nope"), Error);

    Tensor a2 = Tensor::zeros({2, 3}), b2 = Tensor::zeros({1});
    load_into(f, {{"layer.weight", &a2}, {"layer.bias", &b2}});
    CHECK(a2.to_host() == a.to_host());
    CHECK(b2.item() == -7.5f);

    CHECK_THROWS_AS(save_safetensors(dir / "x", {{"a", a}, {"a", b}}), Error);            // duplicate
    CHECK_THROWS_AS(save_safetensors(dir / "no/such/dir/x", {{"a", a}}), Error);          // no folder
}

TEST_CASE("engine: safetensors rejects truncated and malformed files") {
    TempDir dir;
    save_safetensors(dir / "ok", {{"w", Tensor::full({4, 4}, 1.0f)}});
    std::string good = read_bytes(dir / "ok");

    write_bytes(dir / "short", good.substr(0, good.size() - 5));
    check_error(dir / "short", "outside");
    write_bytes(dir / "tiny", good.substr(0, 5));
    check_error(dir / "tiny", "truncated");
    write_bytes(dir / "cut_header", good.substr(0, 20));
    check_error(dir / "cut_header", "header length");
    check_error(dir / "missing", "cannot open");

    write_bytes(dir / "json", file_with_header("{\"w\": {\"dtype\": \"F32\", ", 16));
    check_error(dir / "json", "not valid JSON");
    write_bytes(dir / "array", file_with_header("[1, 2]  ", 0));
    check_error(dir / "array", "not a JSON object");
    write_bytes(dir / "dtype", file_with_header(R"({"w":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}})", 8));
    check_error(dir / "dtype", "unknown dtype");
    write_bytes(dir / "size", file_with_header(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8));
    check_error(dir / "size", "needs 12 bytes");
    write_bytes(dir / "offsets", file_with_header(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8));
    check_error(dir / "offsets", "outside");
    write_bytes(dir / "shape", file_with_header(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8));
    check_error(dir / "shape", "non-negative");
    write_bytes(dir / "meta", file_with_header(R"({"__metadata__":{"a":1}})", 0));
    check_error(dir / "meta", "not a string");

    // Another dtype loads, and is reported when used as F32.
    write_bytes(dir / "f16", file_with_header(R"({"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", 4));
    SafeTensorsFile f = load_safetensors(dir / "f16");
    CHECK(f.entries.at("w").dtype == "F16");
    CHECK_THROWS_WITH_AS(f.tensor("w"), doctest::Contains("dtype F16"), Error);
}

TEST_CASE("engine: load_into reports the first mismatch and changes nothing") {
    TempDir dir;
    save_safetensors(dir / "m", {{"a", Tensor::full({2, 2}, 3.0f)}, {"b", Tensor::full({3}, 4.0f)}});
    SafeTensorsFile f = load_safetensors(dir / "m");
    Tensor a = Tensor::zeros({2, 2}), b = Tensor::zeros({4}), c = Tensor::zeros({1});
    CHECK_THROWS_WITH_AS(load_into(f, {{"a", &a}, {"b", &b}}),
                         doctest::Contains("'b' has shape [3], expected [4]"), Error);
    CHECK(a.to_host() == std::vector<float>(4, 0.0f));  // validated before copying anything
    CHECK_THROWS_WITH_AS(load_into(f, {{"c", &c}, {"b", &b}}), doctest::Contains("missing tensor 'c'"), Error);
    CHECK_THROWS_WITH_AS(load_into(f, {{"a", &a}}), doctest::Contains("unexpected tensor 'b'"), Error);
    load_into(f, {{"a", &a}}, true);
    CHECK(a.to_host() == std::vector<float>(4, 3.0f));
}

TEST_CASE("engine: optimiser state survives a checkpoint") {
    TempDir dir;
    Tensor p = Tensor::from_host({3}, {1, 2, 3});
    p.set_requires_grad(true);
    Adam adam({p}, 5e-4f);
    for (int i = 0; i < 3; ++i) {
        p.impl()->grad = Tensor::from_host({3}, {0.1f, -0.2f, 0.3f * i}).impl();
        adam.step();
    }
    auto tensors = adam.state_tensors({"p"});
    tensors.emplace_back("p", p);
    save_safetensors(dir / "ckpt", tensors, adam.state_metadata());

    SafeTensorsFile f = load_safetensors(dir / "ckpt");
    Tensor q = Tensor::zeros({3});
    q.set_requires_grad(true);
    load_into(f, {{"p", &q}}, true);
    Adam resumed({q});
    resumed.load_state(f, {"p"});
    CHECK(resumed.step_count == 3);
    CHECK(resumed.lr == 5e-4f);
    CHECK(resumed.m[0].to_host() == adam.m[0].to_host());
    CHECK(resumed.v[0].to_host() == adam.v[0].to_host());
    // The next step is identical.
    for (Tensor* t : {&p, &q}) t->impl()->grad = Tensor::from_host({3}, {1, 1, 1}).impl();
    adam.step();
    resumed.step();
    CHECK(q.to_host() == p.to_host());
}
