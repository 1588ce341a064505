// tests/test_data_synth.cpp — the synthesiser: determinism and ground truth consistency.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "apps/image_io.h"
#include "apps/synth.h"

using namespace mcseg;
namespace fs = std::filesystem;

namespace {
SynthConfig small(bool film = false) {
    SynthConfig c;
    c.width = 512;
    c.height = 640;
    c.film = film;
    return c;
}
}  // namespace

TEST_CASE("data: synth is deterministic (same seed, same bytes) and seeds differ") {
    SynthImage a = synthesize(small(), 42, 3), b = synthesize(small(), 42, 3);
    CHECK(a.pixels == b.pixels);
    CHECK(a.mask == b.mask);
    CHECK(synth_json(a, "x") == synth_json(b, "x"));
    SynthImage c = synthesize(small(), 42, 4), d = synthesize(small(), 43, 3);
    CHECK(a.pixels != c.pixels);
    CHECK(a.pixels != d.pixels);
    SynthImage f1 = synthesize(small(true), 42, 3), f2 = synthesize(small(true), 42, 3);
    CHECK(f1.pixels == f2.pixels);
    CHECK(f1.pixels != a.pixels);

    fs::path dir = fs::temp_directory_path() / ("mcseg_test_synth_" + std::to_string(getpid()));
    write_synth(a, (dir / "1").string(), "img");
    write_synth(b, (dir / "2").string(), "img");
    for (const char* f : {"img.png", "img_mask.png", "img.json"})
        CHECK(read_file_bytes((dir / "1" / f).string()) == read_file_bytes((dir / "2" / f).string()));
    GrayImage back = read_png_gray((dir / "1" / "img.png").string());
    CHECK(back.pixels == a.pixels);
    CHECK(read_mask_png((dir / "1" / "img_mask.png").string(), 512, 640) == a.mask);
    fs::remove_all(dir);
}

TEST_CASE("data: synth ground truth: every MC of the JSON is in the mask, and only they are") {
    int with_mcs = 0, without = 0, clusters = 0;
    for (int index = 0; index < 12; ++index) {
        SynthImage img = synthesize(small(index % 3 == 2), 7, index);
        const int W = img.config.width;
        CHECK(*std::max_element(img.pixels.begin(), img.pixels.end()) <= 16383);
        auto j = nlohmann::json::parse(synth_json(img, "t"));
        REQUIRE(j["mcs"].size() == img.mcs.size());
        long long total = 0;
        for (const auto& m : j["mcs"]) {
            auto bb = m["bbox"];
            int x0 = bb[0], y0 = bb[1], x1 = bb[2], y1 = bb[3];
            int in_box = 0, left = W, right = -1, top = 1 << 30, bottom = -1;
            for (int y = y0; y <= y1; ++y)
                for (int x = x0; x <= x1; ++x)
                    if (img.mask[size_t(y) * W + x]) {
                        ++in_box;
                        left = std::min(left, x); right = std::max(right, x);
                        top = std::min(top, y); bottom = std::max(bottom, y);
                    }
            CHECK(in_box == m["area_px"].get<int>());  // MCs never share a box
            CHECK(left == x0);
            CHECK(right == x1);
            CHECK(top == y0);
            CHECK(bottom == y1);
            double cx = m["centroid"][0], cy = m["centroid"][1];
            CHECK(cx >= x0);
            CHECK(cx <= x1);
            CHECK(cy >= y0);
            CHECK(cy <= y1);
            total += in_box;
        }
        long long mask_pixels = 0;
        for (uint8_t v : img.mask) mask_pixels += v;
        CHECK(mask_pixels == total);  // nothing in the mask that is not a listed MC
        for (const auto& c : j["clusters"]) {
            int n = 0;
            for (const auto& m : j["mcs"]) n += m["cluster"] == c["id"];
            CHECK(n == c["count"].get<int>());
            CHECK(n >= 6);
            CHECK(n <= 40);
            ++clusters;
        }
        (img.mcs.empty() ? without : with_mcs)++;
    }
    CHECK(with_mcs > 0);
    CHECK(clusters > 0);
}
