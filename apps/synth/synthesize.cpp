// apps/synth/synthesize.cpp — the synthesiser's pipeline (anatomy -> MCs -> distractors -> acquisition ->
// laterality), its JSON sidecar and its files. See synth.h.
#include "apps/synth/synth.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "apps/io/image.h"
#include "apps/synth/stages.h"
#include "engine/error.h"

namespace mcseg {

SynthImage synthesize(const SynthConfig& cfg, uint64_t seed, int index) {
    if (cfg.width < 64 || cfg.height < 64 || cfg.width > 16384 || cfg.height > 16384)
        fail("synth: image size ", cfg.width, "x", cfg.height, " out of range 64..16384");
    if (!(cfg.spacing_mm > 0.01 && cfg.spacing_mm < 1.0))
        fail("synth: pixel spacing ", cfg.spacing_mm, " mm out of range (0.01, 1)");
    const int W = cfg.width, H = cfg.height;
    const uint64_t key = derive_key(seed, uint64_t(index));
    Rng rng(key, streams::kSynthScene);
    SynthImage out;
    out.config = cfg;
    out.seed = seed;
    out.index = index;
    out.laterality = rng.chance(0.5) ? "L" : "R";

    const Anatomy an = make_anatomy(cfg, key, rng, out);
    const Detector det = draw_detector(cfg, an, rng);
    const Presentation pres = draw_presentation(cfg, rng);

    std::vector<float> a(size_t(W) * H);
#pragma omp parallel for schedule(static)
    for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x) a[size_t(y) * W + x] = an.sample(an.atten, x, y);
    out.mask.assign(size_t(W) * H, 0);
    place_mcs(an, det, rng, a, out.mask, out);
    add_specks(an, rng, a, out);
    if (cfg.film) acquire_film(a, an, det, key, rng, out);
    else acquire_digital(a, an, det, pres, key, out);
    out.acquisition = {det.native_ratio * cfg.spacing_mm, det.mtf_px, det.noise_corr_px, cfg.film ? 0 : pres.usm_gain,
                       cfg.film ? 0 : pres.usm_sigma_px * cfg.spacing_mm, cfg.film ? 1 : pres.gamma,
                       cfg.film ? 14 : pres.bits};  // film: its 12-bit scan is stored x4 on 14 bits
    drop_invisible_mcs(out);

    if (out.laterality == "R") {  // chest wall on the right: mirror everything
        for (int y = 0; y < H; ++y) {
            std::reverse(out.pixels.begin() + size_t(y) * W, out.pixels.begin() + size_t(y + 1) * W);
            std::reverse(out.mask.begin() + size_t(y) * W, out.mask.begin() + size_t(y + 1) * W);
        }
        for (auto& m : out.mcs) {
            m.x = W - 1 - m.x;
            std::swap(m.x0, m.x1);
            m.x0 = W - 1 - m.x0;
            m.x1 = W - 1 - m.x1;
        }
        for (auto& c : out.clusters) {
            std::swap(c.x0, c.x1);
            c.x0 = W - 1 - c.x0;
            c.x1 = W - 1 - c.x1;
        }
        for (auto& s : out.specks) s.first = W - 1 - s.first;
    }
    return out;
}

GrayImage gray_image(const SynthImage& img) {
    GrayImage g;
    g.width = img.config.width;
    g.height = img.config.height;
    g.pixels = img.pixels;
    g.pixel_spacing_mm = img.config.spacing_mm;
    return g;
}

std::string synth_json(const SynthImage& img, const std::string& name) {
    using nlohmann::json;
    auto r3 = [](double v) { return std::round(v * 1000) / 1000; };
    json j;
    j["format"] = "mcseg-synth-2";
    j["name"] = name;
    j["width"] = img.config.width;
    j["height"] = img.config.height;
    j["pixel_spacing_mm"] = img.config.spacing_mm;
    const SynthAcquisition& q = img.acquisition;
    j["bits_stored"] = q.bits == 12 ? 16 : 14;  // 12-bit data is stored scaled by 16
    j["acquisition"] = {{"native_pitch_mm", r3(q.native_pitch_mm)}, {"mtf_px", r3(q.mtf_px)},
                        {"noise_correlation_px", r3(q.noise_corr_px)}, {"unsharp_gain", r3(q.usm_gain)},
                        {"unsharp_sigma_mm", r3(q.usm_sigma_mm)}, {"gamma", r3(q.gamma)}, {"data_bits", q.bits}};
    j["seed"] = img.seed;
    j["index"] = img.index;
    j["variant"] = img.config.film ? "film" : "digital";
    j["view"] = img.view;
    j["laterality"] = img.laterality;
    j["density"] = r3(img.density);
    j["thickness_cm"] = r3(img.thickness_cm);
    j["mcs"] = json::array();
    for (const auto& m : img.mcs)
        j["mcs"].push_back({{"id", m.id},
                            {"cluster", m.cluster},
                            {"centroid", {r3(m.x), r3(m.y)}},
                            {"area_px", m.area_px},
                            {"bbox", {m.x0, m.y0, m.x1, m.y1}},
                            {"shape", m.shape},
                            {"peak_attenuation", r3(m.peak_attenuation)},
                            {"cnr", r3(m.cnr)},
                            {"snr", r3(m.snr)}});
    j["clusters"] = json::array();
    for (const auto& c : img.clusters)
        j["clusters"].push_back({{"id", c.id}, {"count", c.count}, {"bbox", {c.x0, c.y0, c.x1, c.y1}}});
    json specks = json::array();
    for (const auto& s : img.specks) specks.push_back({s.first, s.second});
    j["unannotated_mcs"] = img.unannotated_mcs;
    j["distractors"] = {{"specks", specks}, {"skin_folds", img.skin_folds}, {"scratches", img.scratches}};
    j["vessels"] = img.vessels;
    j["ducts"] = img.ducts;
    // One key per line, one MC or cluster per line: readable and still plain JSON.
    std::string out = "{";
    bool first = true;
    for (const auto& [key, value] : j.items()) {
        out += first ? "\n " : ",\n ";
        first = false;
        out += json(key).dump() + ": ";
        if (value.is_array() && !value.empty() && value.front().is_object()) {
            out += "[";
            for (size_t i = 0; i < value.size(); ++i) out += (i ? ",\n  " : "\n  ") + value[i].dump();
            out += "\n ]";
        } else {
            out += value.dump();
        }
    }
    return out + "\n}";
}

void write_synth(const SynthImage& img, const std::string& dir, const std::string& name) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) fail("cannot create folder '", dir, "': ", ec.message());
    const auto base = std::filesystem::path(dir) / name;
    const int W = img.config.width, H = img.config.height;
    write_png_gray16(base.string() + ".png", W, H, img.pixels.data());
    std::vector<uint8_t> m(img.mask.size());
    for (size_t i = 0; i < m.size(); ++i) m[i] = img.mask[i] ? 255 : 0;
    write_png_gray8(base.string() + "_mask.png", W, H, m.data());
    const std::string json_path = base.string() + ".json";
    std::ofstream f(json_path);
    f << synth_json(img, name) << "\n";
    if (!f) fail("cannot write '", json_path, "'");
}

}  // namespace mcseg
