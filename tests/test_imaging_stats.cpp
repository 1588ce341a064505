// tests/test_imaging_stats.cpp — `mcseg stats` on inputs whose answers are known: white noise of
// known σ, a 1/f^β field of known β, discs of known area and contrast, an all-tissue image and
// one with air, an image too small for a field, and bad inputs.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "apps/cli/commands.h"
#include "apps/imaging/breast_region.h"
#include "apps/imaging/fft.h"
#include "apps/imaging/image_stats.h"
#include "apps/imaging/otsu.h"
#include "apps/imaging/stats_report.h"
#include "apps/io/image.h"
#include "engine/error.h"
#include "engine/random.h"

using namespace mcseg;
namespace fs = std::filesystem;

namespace {

constexpr double kSpacing = 0.07;  // the real ROI's: a 17.9 mm field is 256 px

GrayImage make_image(int w, int h, const std::vector<double>& values) {
    GrayImage img;
    img.width = w;
    img.height = h;
    img.pixels.resize(values.size());
    for (size_t i = 0; i < values.size(); ++i) img.pixels[i] = uint16_t(std::clamp(std::lround(values[i]), 0L, 65535L));
    return img;
}

// mean + σ·N(0, 1) per pixel.
std::vector<double> white_noise(int w, int h, double mean, double sigma, uint64_t seed) {
    Rng rng(seed, 1);
    std::vector<double> v(size_t(w) * h);
    for (double& x : v) x = mean + sigma * rng.normal();
    return v;
}

// A Gaussian field of power spectrum ∝ 1/f^β (f in cycles/mm at kSpacing), n x n (a power of two),
// std `sigma`: white noise filtered by f^(−β/2) in the Fourier domain.
std::vector<double> power_law_field(int n, double beta, double sigma, uint64_t seed) {
    const std::vector<double> w = white_noise(n, n, 0, 1, seed);
    std::vector<Complex> g(w.begin(), w.end());
    fft2d(g, n, n);
    for (int ky = 0; ky < n; ++ky)
        for (int kx = 0; kx < n; ++kx) {
            const double f = std::hypot(kx <= n / 2 ? kx : kx - n, ky <= n / 2 ? ky : ky - n) / (n * kSpacing);
            g[size_t(ky) * n + kx] *= f > 0 ? std::pow(f, -beta / 2) : 0.0;
        }
    fft2d(g, n, n, true);
    double ss = 0;
    for (const Complex& c : g) ss += c.real() * c.real();
    std::vector<double> out(g.size());
    for (size_t i = 0; i < g.size(); ++i) out[i] = g[i].real() * sigma / std::sqrt(ss / g.size());
    return out;
}

// Adds discs of radius r and height `contrast` at the centres; returns their mask.
std::vector<uint8_t> add_discs(std::vector<double>& v, int w, const std::vector<std::pair<int, int>>& centres, int r,
                               double contrast) {
    std::vector<uint8_t> mask(v.size(), 0);
    for (auto [cx, cy] : centres)
        for (int dy = -r; dy <= r; ++dy)
            for (int dx = -r; dx <= r; ++dx)
                if (dx * dx + dy * dy <= r * r) {
                    v[size_t(cy + dy) * w + cx + dx] += contrast;
                    mask[size_t(cy + dy) * w + cx + dx] = 1;
                }
    return mask;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("stats: the FFT matches a direct DFT and inverts") {
    const int n = 16;
    std::vector<Complex> a(n), x(n);
    for (int i = 0; i < n; ++i) x[i] = a[i] = Complex(std::sin(i * 0.7) + i % 3, std::cos(i * 1.3));
    fft(a.data(), n);
    for (int k = 0; k < n; ++k) {
        Complex d = 0;
        for (int i = 0; i < n; ++i) d += x[i] * std::polar(1.0, -2 * M_PI * k * i / n);
        CHECK(std::abs(a[k] - d) < 1e-9);
    }
    fft(a.data(), n, true);
    for (int i = 0; i < n; ++i) CHECK(std::abs(a[i] / double(n) - x[i]) < 1e-12);
    CHECK(next_pow2(358) == 512);
    CHECK(error_of([] { std::vector<Complex> b(12); fft(b.data(), 12); }).find("power of two") != std::string::npos);
}

TEST_CASE("stats: white noise gives its sigma, noise over field std of 1 and a flat spectrum") {
    const double sigma = 20;
    const GrayImage img = make_image(512, 512, white_noise(512, 512, 1000, sigma, 11));
    const ImageStats st = measure_image(img, nullptr, kSpacing);
    CHECK_FALSE(st.has_air);
    CHECK(st.sigma_n == doctest::Approx(sigma).epsilon(0.03));
    CHECK(st.field_px == 256);
    REQUIRE(st.fields.size() == 4);
    for (const FieldStats& f : st.fields) {
        CHECK(f.std == doctest::Approx(sigma).epsilon(0.02));
        CHECK(f.noise_ratio == doctest::Approx(1.0).epsilon(0.04));
    }
    REQUIRE(st.low);
    REQUIRE(st.high);
    CHECK(std::fabs(st.low->beta) < 0.2);
    CHECK(std::fabs(st.high->beta) < 0.2);
    REQUIRE(st.high_low);
    CHECK(*st.high_low == doctest::Approx(1.0).epsilon(0.2));
    // The NPS's scale: white noise of std σ has P = σ² Δ² at every frequency.
    CHECK(std::exp(st.low->intercept) == doctest::Approx(sigma * sigma * kSpacing * kSpacing).epsilon(0.15));
}

TEST_CASE("stats: a 1/f^3 field with weak white noise has beta 3 in 0.15-1 cycles/mm") {
    std::vector<double> v = power_law_field(512, 3.0, 300, 21);
    const std::vector<double> noise = white_noise(512, 512, 5000, 3, 22);
    for (size_t i = 0; i < v.size(); ++i) v[i] += noise[i];
    const ImageStats st = measure_image(make_image(512, 512, v), nullptr, kSpacing);
    REQUIRE(st.fields.size() == 4);
    REQUIRE(st.low);
    CHECK(st.low->beta == doctest::Approx(3.0).epsilon(0.2 / 3));
    // A band past the Nyquist frequency (1/(2·0.4) = 1.25 cycles/mm) has no β.
    const ImageStats coarse = measure_image(make_image(512, 512, v), nullptr, 0.4, {.field_mm = 40});
    CHECK(coarse.low);
    CHECK_FALSE(coarse.high);
    CHECK_FALSE(coarse.high_low);
}

TEST_CASE("stats: discs of known area and contrast on noise are measured within a tenth") {
    const double sigma = 10, contrast = 60;
    std::vector<double> v = white_noise(300, 300, 2000, sigma, 31);
    const std::vector<std::pair<int, int>> centres = {{40, 40}, {150, 60}, {250, 50}, {60, 200}, {160, 170}, {240, 250}};
    const std::vector<uint8_t> mask = add_discs(v, 300, centres, 4, contrast);
    const ImageStats st = measure_image(make_image(300, 300, v), &mask, kSpacing);
    REQUIRE(st.mcs.size() == centres.size());
    for (const McStats& m : st.mcs) {
        CHECK(m.area_px == 49);  // the disc x² + y² <= 16 holds 49 pixels
        CHECK(m.area_px_005 == doctest::Approx(49 * 1.96));
        CHECK(m.contrast == doctest::Approx(contrast).epsilon(0.1));
        CHECK(m.contrast_over_noise == doctest::Approx(contrast / sigma).epsilon(0.1));
        CHECK(m.contrast_over_ring_std == doctest::Approx(contrast / sigma).epsilon(0.2));
        CHECK(m.ring_px > 60);
    }
    CHECK(st.sigma_n == doctest::Approx(sigma).epsilon(0.03));  // the discs are kept out of σ_n
    // The field is measured without the discs: the std and spectrum of white noise. Left in, they
    // raise the std and the power between 1 and 3 cycles/mm.
    REQUIRE(st.fields.size() == 1);
    CHECK(st.fields_with_mcs == 1);
    CHECK(st.fields[0].std == doctest::Approx(sigma).epsilon(0.05));
    REQUIRE(st.high);
    CHECK(std::fabs(st.high->beta) < 0.3);
    CHECK(*band_power(st.nps_with_mcs, kHighBand) > 1.5 * *band_power(st.nps, kHighBand));
}

TEST_CASE("stats: an all-tissue image is not cut in half and air around tissue is found") {
    // Textured tissue, fattier (3000) on the left and denser (4000) on the right, no air: Otsu
    // splits it into the two halves, the air rule keeps it whole.
    std::vector<double> v = power_law_field(512, 3.0, 300, 41);
    const std::vector<double> n1 = white_noise(512, 512, 3000, 30, 44);
    for (int y = 0; y < 512; ++y)
        for (int x = 0; x < 512; ++x) v[size_t(y) * 512 + x] += n1[size_t(y) * 512 + x] + (x < 256 ? 0 : 1000);
    const GrayImage img = make_image(512, 512, v);
    const int t = otsu_threshold(img.pixels.data(), img.pixels.size());
    CHECK(t > 3000);
    CHECK(t < 4000);
    const ImageStats tissue = measure_image(img, nullptr, kSpacing);
    CHECK_FALSE(tissue.has_air);
    CHECK(tissue.breast_px == 512 * 512);
    CHECK(tissue.fields.size() == 4);
    // Air (100 ± 3) in the left quarter and textured tissue elsewhere.
    std::vector<double> a = power_law_field(512, 3.0, 200, 42);
    const std::vector<double> noise = white_noise(512, 512, 100, 3, 43);
    for (int y = 0; y < 512; ++y)
        for (int x = 0; x < 512; ++x) {
            double& p = a[size_t(y) * 512 + x];
            p = x < 128 ? noise[size_t(y) * 512 + x] : p + 4000 + noise[size_t(y) * 512 + x] - 100;
        }
    const ImageStats air = measure_image(make_image(512, 512, a), nullptr, kSpacing);
    CHECK(air.has_air);
    CHECK(air.breast_px == 384 * 512);
    CHECK(air.interior_px < air.breast_px);
    REQUIRE(air.fields.size() == 2);
    for (const FieldStats& f : air.fields) CHECK(f.x >= 128);
}

TEST_CASE("stats: an image smaller than a field still gives its noise and MCs") {
    std::vector<double> v = white_noise(100, 100, 1000, 8, 51);
    const std::vector<uint8_t> mask = add_discs(v, 100, {{50, 50}}, 3, 40);
    const ImageStats st = measure_image(make_image(100, 100, v), &mask, kSpacing);
    CHECK(st.fields.empty());
    CHECK(st.note.find("smaller than one") != std::string::npos);
    CHECK(st.nps.empty());
    CHECK_FALSE(st.low);
    CHECK(st.sigma_n == doctest::Approx(8).epsilon(0.1));
    REQUIRE(st.mcs.size() == 1);
    CHECK(st.mcs[0].contrast == doctest::Approx(40).epsilon(0.15));
}

TEST_CASE("stats: percentiles interpolate between order statistics and skip undefined values") {
    const Summary s = summarise({10, 9, 8, 7, 6, 5, 4, 3, 2, 1, std::nan("")});
    CHECK(s.n == 10);
    CHECK(s.median == doctest::Approx(5.5));
    CHECK(s.p10 == doctest::Approx(1.9));
    CHECK(s.p90 == doctest::Approx(9.1));
    CHECK(summarise({}).n == 0);
    CHECK(std::isnan(summarise({}).median));
}

TEST_CASE("stats: bad inputs are one-line errors") {
    const GrayImage img = make_image(64, 64, white_noise(64, 64, 1000, 5, 61));
    CHECK(error_of([&] { measure_image(img, nullptr, 0); }).find("spacing") != std::string::npos);
    CHECK(error_of([&] { measure_image(img, nullptr, -0.1); }).find("spacing") != std::string::npos);
    CHECK(error_of([&] { measure_image(img, nullptr, 0.07, {.field_mm = 0}); }).find("field") != std::string::npos);
    CHECK(error_of([&] { measure_image(img, nullptr, 0.07, {.field_mm = 0.5}); }).find("too small") != std::string::npos);
    const std::vector<uint8_t> wrong(10, 0);
    CHECK(error_of([&] { measure_image(img, &wrong, 0.07); }).find("does not match") != std::string::npos);
    CHECK(error_of([] { measure_image(GrayImage{}, nullptr, 0.07); }).find("empty image") != std::string::npos);
    CHECK(error_of([] { run_command({"stats"}); }).find("no image") != std::string::npos);
    CHECK(error_of([] { run_command({"stats", "a.png", "--field-mm", "-1"}); }).find("--field-mm") != std::string::npos);
    CHECK(error_of([] { run_command({"stats", "/nonexistent/a.png"}); }).find("/nonexistent/a.png") != std::string::npos);
}

TEST_CASE("stats: the command reads the mask and sidecar and writes the JSON and the spectrum plot") {
    const fs::path dir = fs::temp_directory_path() / ("mcseg_test_stats_" + std::to_string(getpid()));
    fs::create_directories(dir);
    std::vector<double> v = power_law_field(512, 3.0, 200, 71);
    const std::vector<double> noise = white_noise(512, 512, 3000, 10, 72);
    for (size_t i = 0; i < v.size(); ++i) v[i] += noise[i];
    const std::vector<uint8_t> mask = add_discs(v, 512, {{100, 100}, {300, 400}}, 3, 80);
    const GrayImage img = make_image(512, 512, v);
    write_png_gray16((dir / "roi.png").string(), 512, 512, img.pixels.data());
    std::vector<uint8_t> mask8(mask.size());
    for (size_t i = 0; i < mask.size(); ++i) mask8[i] = mask[i] ? 255 : 0;
    write_png_gray8((dir / "roi_mask.png").string(), 512, 512, mask8.data());
    std::ofstream(dir / "roi.json") << R"({"pixel_spacing_mm": 0.07})";
    const std::string json = (dir / "s.json").string(), psd = (dir / "psd.png").string();
    CHECK(run_command({"stats", (dir / "roi.png").string(), (dir / "roi_mask.png").string(), "--json", json, "--psd",
                       psd}) == 0);
    const auto j = nlohmann::json::parse(std::ifstream(json));
    REQUIRE(j["images"].size() == 1);
    CHECK(j["images"][0]["spacing_mm"] == 0.07);
    CHECK(j["images"][0]["fields"].size() == 4);
    CHECK(j["images"][0]["mcs"].size() == 2);
    CHECK(j["aggregate"]["summary"]["mc_contrast"]["n"] == 2);
    CHECK(j["aggregate"]["spectrum"]["beta_0.15_1"].get<double>() == doctest::Approx(3.0).epsilon(0.1));
    CHECK(j["aggregate"]["spectrum_with_mcs"]["beta_1_3"].is_number());
    CHECK(read_file_bytes(psd).size() > 1000);
    fs::remove_all(dir);
}
