// apps/cmd_score.cpp — `mcseg score`: predicted masks against ground truth, at the pixel, MC and
// cluster levels (apps/scoring.h), and the FROC curve over the probability maps.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "apps/cli.h"
#include "apps/image_io.h"
#include "apps/plot.h"
#include "apps/scoring.h"
#include "engine/error.h"

namespace mcseg {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

// Pixel spacing of NAME from its JSON sidecar (synth ground truth or a segment report), else 0.
double sidecar_spacing(const fs::path& json_path) {
    std::ifstream in(json_path);
    if (!in) return 0;
    try {
        auto j = nlohmann::json::parse(in);
        for (const char* key : {"pixel_spacing_mm", "spacing_mm"})
            if (j.contains(key) && j[key].is_number()) return j[key].get<double>();
    } catch (const nlohmann::json::exception&) {
    }
    return 0;
}

int run_score(int argc, char** argv) {
    Args a(argc, argv, "mcseg score --pred DIR --truth DIR [--json FILE] [--froc FILE.png]",
           "Score predicted MC masks (NAME_mask.png in --pred, as mcseg segment writes them) against the\n"
           "ground truth (NAME_mask.png in --truth): pixel Dice, precision and recall; MC-wise\n"
           "sensitivity (a true MC is found when a predicted MC overlaps it) and false positives per\n"
           "image; cluster-wise sensitivity and false clusters per image; and, from NAME_prob.png, the\n"
           "FROC curve (MC sensitivity against false positives per image over the threshold).");
    a.option("--pred", "DIR", "folder of predictions (mcseg segment --out)");
    a.option("--truth", "DIR", "folder of ground truth (mcseg synth --out)");
    a.option("--json", "FILE", "write the scores as JSON", "-");
    a.option("--froc", "FILE", "write the FROC curve as a PNG", "-");
    a.option("--pixel-spacing", "MM", "spacing when no JSON sidecar gives it", "0.05");
    if (a.parse()) return 0;
    const fs::path pred = a.get("--pred"), truth = a.get("--truth");
    for (const auto& d : {pred, truth})
        if (!fs::is_directory(d)) fail("'", d.string(), "' is not a folder");

    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(pred)) {
        std::string f = e.path().filename().string();
        if (f.size() > 9 && f.compare(f.size() - 9, 9, "_mask.png") == 0) names.push_back(f.substr(0, f.size() - 9));
    }
    std::sort(names.begin(), names.end());
    if (names.empty()) fail("no NAME_mask.png in '", pred.string(), "'");

    // FROC thresholds on the 8-bit probability: 0.05 .. 0.95 of 255.
    std::vector<int> thresholds;
    for (int k = 1; k <= 19; ++k) thresholds.push_back(k * 255 / 20);
    std::vector<MaskScore> froc(thresholds.size());
    bool have_prob = true;

    MaskScore total;
    ordered_json per_image = ordered_json::array();
    for (const auto& name : names) {
        fs::path tpath = truth / (name + "_mask.png");
        if (!fs::exists(tpath)) fail("no ground truth '", tpath.string(), "' for prediction '", name, "'");
        int w = 0, h = 0;
        std::vector<uint8_t> t = read_mask_png(tpath.string(), 0, 0, &w, &h);
        std::vector<uint8_t> p = read_mask_png((pred / (name + "_mask.png")).string(), w, h);
        double spacing = sidecar_spacing(truth / (name + ".json"));
        if (spacing <= 0) spacing = a.get_double("--pixel-spacing");
        MaskScore s = score_masks(p, t, w, h, spacing);
        total += s;
        per_image.push_back({{"name", name},
                             {"dice", s.dice()},
                             {"true_mcs", s.true_mcs},
                             {"found_mcs", s.found_mcs},
                             {"false_mcs", s.false_mcs},
                             {"true_clusters", s.true_clusters},
                             {"found_clusters", s.found_clusters},
                             {"false_clusters", s.false_clusters}});
        fs::path prob_path = pred / (name + "_prob.png");
        have_prob = have_prob && fs::exists(prob_path);
        if (!have_prob) continue;
        GrayImage prob = read_png_gray(prob_path.string());
        if (prob.width != w || prob.height != h) fail("'", prob_path.string(), "' does not match the mask size");
        std::vector<uint8_t> m(prob.pixels.size());
        for (size_t k = 0; k < thresholds.size(); ++k) {
            for (size_t i = 0; i < m.size(); ++i) m[i] = prob.pixels[i] > thresholds[k];
            froc[k] += score_masks(m, t, w, h, spacing, false);
        }
    }
    const double n = double(names.size());
    ordered_json j{{"images", names.size()},
                   {"dice", total.dice()},
                   {"precision", total.precision()},
                   {"recall", total.recall()},
                   {"mc_sensitivity", total.mc_sensitivity()},
                   {"fp_per_image", total.false_mcs / n},
                   {"true_mcs", total.true_mcs},
                   {"found_mcs", total.found_mcs},
                   {"cluster_sensitivity", total.cluster_sensitivity()},
                   {"false_clusters_per_image", total.false_clusters / n},
                   {"true_clusters", total.true_clusters},
                   {"found_clusters", total.found_clusters}};
    Series curve{"MC sensitivity", {}, {}, {31, 119, 180}};
    if (have_prob) {
        j["froc"] = ordered_json::array();
        for (size_t k = 0; k < thresholds.size(); ++k) {
            j["froc"].push_back({{"threshold", thresholds[k] / 255.0},
                                 {"mc_sensitivity", froc[k].mc_sensitivity()},
                                 {"fp_per_image", froc[k].false_mcs / n}});
            curve.x.push_back(froc[k].false_mcs / n);
            curve.y.push_back(froc[k].mc_sensitivity());
        }
    }
    j["per_image"] = per_image;

    std::printf("%zu images: Dice %.4f  precision %.4f  recall %.4f\n", names.size(), total.dice(), total.precision(),
                total.recall());
    std::printf("MCs: sensitivity %.4f (%lld of %lld)  false positives per image %.2f\n", total.mc_sensitivity(),
                (long long)total.found_mcs, (long long)total.true_mcs, total.false_mcs / n);
    std::printf("clusters: sensitivity %.4f (%lld of %lld)  false clusters per image %.2f\n", total.cluster_sensitivity(),
                (long long)total.found_clusters, (long long)total.true_clusters, total.false_clusters / n);
    if (a.given("--json")) {
        std::ofstream out(a.get("--json"));
        out << j.dump(2) << "\n";
        if (!out) fail("cannot write '", a.get("--json"), "'");
    }
    if (a.given("--froc")) {
        if (!have_prob) fail("no NAME_prob.png for every prediction: cannot draw the FROC curve");
        Canvas c(700, 480);
        draw_chart(c, 0, 0, 700, 480, "FROC: MC sensitivity vs false positives per image", "false positives per image",
                   {curve});
        c.save_png(a.get("--froc"));
    }
    return 0;
}

const RegisterCommand reg{{"score", "score predicted masks against ground truth (Dice, MC-wise, clusters, FROC)", run_score}};

}  // namespace
}  // namespace mcseg
