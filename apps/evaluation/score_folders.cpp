// apps/evaluation/score_folders.cpp — see score_folders.h.
#include "apps/evaluation/score_folders.h"

#include <filesystem>

#include "apps/io/image.h"
#include "apps/io/image_folder.h"
#include "engine/error.h"

namespace mcseg {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

FolderScore score_folders(const std::string& pred, const std::string& truth, double default_spacing_mm) {
    FolderScore f;
    f.names = mask_names(pred);
    if (!fs::is_directory(truth)) fail("'", truth, "' is not a folder");
    if (f.names.empty()) fail("no NAME_mask.png in '", pred, "'");
    FrocSweep froc;
    bool have_prob = true;
    for (const auto& name : f.names) {
        const std::string tpath = mask_path(truth, name);
        if (!fs::exists(tpath)) fail("no ground truth '", tpath, "' for prediction '", name, "'");
        int w = 0, h = 0;
        const std::vector<uint8_t> t = read_mask_png(tpath, 0, 0, &w, &h);
        const std::vector<uint8_t> p = read_mask_png(mask_path(pred, name), w, h);
        double spacing = sidecar_spacing(sidecar_path(truth, name));
        if (spacing <= 0) spacing = default_spacing_mm;
        f.per_image.push_back(score_masks(p, t, w, h, spacing));
        f.total += f.per_image.back();
        const std::string prob_path = (fs::path(pred) / (name + "_prob.png")).string();
        have_prob = have_prob && fs::exists(prob_path);
        if (!have_prob) continue;
        const GrayImage prob = read_png_gray(prob_path);
        if (prob.width != w || prob.height != h) fail("'", prob_path, "' does not match the mask size");
        froc.add(prob, t, spacing);
    }
    if (have_prob) f.froc = froc.points(f.names.size());
    return f;
}

ordered_json FolderScore::to_json() const {
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
    if (!froc.empty()) {
        j["froc"] = ordered_json::array();
        for (const FrocPoint& p : froc)
            j["froc"].push_back(
                {{"threshold", p.threshold}, {"mc_sensitivity", p.mc_sensitivity}, {"fp_per_image", p.fp_per_image}});
    }
    j["per_image"] = ordered_json::array();
    for (size_t i = 0; i < names.size(); ++i) {
        const MaskScore& s = per_image[i];
        j["per_image"].push_back({{"name", names[i]},
                                  {"dice", s.dice()},
                                  {"true_mcs", s.true_mcs},
                                  {"found_mcs", s.found_mcs},
                                  {"false_mcs", s.false_mcs},
                                  {"true_clusters", s.true_clusters},
                                  {"found_clusters", s.found_clusters},
                                  {"false_clusters", s.false_clusters}});
    }
    return j;
}

}  // namespace mcseg
