// tests/test_data_synth.cpp — the synthesiser: determinism and ground truth consistency.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "apps/io/image.h"
#include "apps/synth/synth.h"
#include "apps/synth/stages.h"

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
        auto j = nlohmann::json::parse(synth_json(img, "t"));
        // 14-bit data, or 12-bit data scaled by 16 (acquire.cpp, the stored bit depth).
        if (img.acquisition.bits == 14) {
            CHECK(*std::max_element(img.pixels.begin(), img.pixels.end()) <= 16383);
        } else {
            CHECK(std::all_of(img.pixels.begin(), img.pixels.end(), [](uint16_t v) { return v % 16 == 0; }));
            CHECK(j["bits_stored"] == 16);
        }
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

namespace {
// A 200 x 200 image: background `bg(x, y)` plus a disc of radius 6 (113 px) of contrast 8 at
// (100, 100), annotated in the mask as one MC.
template <class Background>
SynthImage faint_disc(Background bg) {
    SynthImage s;
    s.config.width = s.config.height = 200;
    s.pixels.resize(200 * 200);
    s.mask.assign(200 * 200, 0);
    SynthMc mc;
    mc.x0 = mc.y0 = 94;
    mc.x1 = mc.y1 = 106;
    for (int y = 0; y < 200; ++y)
        for (int x = 0; x < 200; ++x) {
            const bool in = (x - 100) * (x - 100) + (y - 100) * (y - 100) <= 36;
            s.pixels[size_t(y) * 200 + x] = uint16_t(std::lround(bg(x, y) + (in ? 8 : 0)));
            s.mask[size_t(y) * 200 + x] = in;
            mc.area_px += in;
        }
    s.mcs.push_back(mc);
    return s;
}
// White noise: uniform in [-17, 17] (sigma 10) from a fixed linear congruential sequence.
double white(int x, int y) {
    uint32_t h = (uint32_t(x) * 73856093u) ^ (uint32_t(y) * 19349663u);
    h = h * 1664525u + 1013904223u;
    return 1000 + 34.0 * ((h >> 8) / double(1 << 24) - 0.5);
}
}  // namespace

TEST_CASE("data: an MC is annotated only when it stands out of the noise at its own size") {
    // In white noise of sigma 10 a 113-pixel disc of contrast 8 (Rose: 8 sqrt(113) / 10 = 8.5)
    // is seen and stays annotated.
    SynthImage w = faint_disc(white);
    CHECK(drop_invisible_mcs(w) == 0);
    REQUIRE(w.mcs.size() == 1);
    CHECK(w.mcs[0].snr >= 5);
    CHECK(std::count(w.mask.begin(), w.mask.end(), 1) == w.mcs[0].area_px);
    // Texture of about the disc's size hides it although per pixel it is no stronger than the
    // white noise (sigma ~10): the disc leaves the mask and the JSON, the pixels stay.
    SynthImage t = faint_disc([](int x, int y) {
        return white(x, y) + 20 * std::sin(x * 2 * M_PI / 23) * std::sin(y * 2 * M_PI / 29);
    });
    const std::vector<uint16_t> pixels = t.pixels;
    CHECK(drop_invisible_mcs(t) == 1);
    CHECK(t.mcs.empty());
    CHECK(t.unannotated_mcs == 1);
    CHECK(std::count(t.mask.begin(), t.mask.end(), 1) == 0);
    CHECK(t.pixels == pixels);
}
