// apps/evaluation/score_folders.cpp — see score_folders.h.
#include "apps/evaluation/score_folders.h"

#include <algorithm>
#include <filesystem>

#include "apps/imaging/otsu.h"
#include "apps/io/image.h"
#include "apps/io/image_folder.h"
#include "apps/segment/pipeline.h"
#include "engine/error.h"

namespace mcseg {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

namespace {

// The truth image DIR/NAME.png or DIR/NAME.dcm (either case of extension); "" when there is none.
std::string truth_image_path(const std::string& dir, const std::string& name) {
    std::string found;
    for (const char* ext : {".png", ".PNG", ".dcm", ".DCM"}) {
        const fs::path p = fs::path(dir) / (name + ext);
        if (!fs::is_regular_file(p)) continue;
        if (!found.empty()) fail("two images named '", name, "' (", found, " and ", p.string(), ")");
        found = p.string();
    }
    return found;
}

// The breast area in cm² of the truth image of NAME (width x height, like its mask); none
// without an image.
std::optional<double> breast_area_cm2(const std::string& dir, const std::string& name, int width, int height,
                                      double spacing_mm) {
    const std::string path = truth_image_path(dir, name);
    if (path.empty()) return std::nullopt;
    const GrayImage img = read_image(path);
    if (img.width != width || img.height != height)
        fail("'", path, "' is ", img.width, "x", img.height, " but its mask is ", width, "x", height);
    int64_t breast_px = 0;
    for (uint8_t b : breast_mask(img)) breast_px += b;
    return double(breast_px) * spacing_mm * spacing_mm / 100.0;
}

// a / b, or none when b is unknown or 0 (no breast found).
std::optional<double> per(double a, std::optional<double> b) {
    if (!b || *b <= 0) return std::nullopt;
    return a / *b;
}

ordered_json or_null(std::optional<double> v) { return v ? ordered_json(*v) : ordered_json(nullptr); }

// Every truth mask has its prediction.
void check_all_predicted(const std::vector<std::string>& predicted, const std::string& pred, const std::string& truth) {
    std::vector<std::string> missing;
    for (const std::string& name : mask_names(truth))
        if (!std::binary_search(predicted.begin(), predicted.end(), name)) missing.push_back(name);
    if (!missing.empty())
        fail(missing.size(), " truth masks of '", truth, "' have no prediction in '", pred, "' (first: ", missing.front(),
             "); segment them, or pass --subset to score only the predicted images");
}

}  // namespace

FolderScore score_folders(const std::string& pred, const std::string& truth, double default_spacing_mm,
                          double min_mc_mm, bool subset) {
    FolderScore f;
    f.names = mask_names(pred);
    if (!fs::is_directory(truth)) fail("'", truth, "' is not a folder");
    if (f.names.empty()) fail("no NAME_mask.png in '", pred, "'");
    if (!subset) check_all_predicted(f.names, pred, truth);
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
        const SparseLabeling truth_mcs(t, w, h);  // once, for the score and the sweep
        f.per_image.push_back(score_masks(p, truth_mcs, spacing));
        f.total += f.per_image.back();
        f.breast_cm2.push_back(breast_area_cm2(truth, name, w, h, spacing));
        const std::string prob_path = (fs::path(pred) / (name + "_prob.png")).string();
        have_prob = have_prob && fs::exists(prob_path);
        if (!have_prob) continue;
        const GrayImage prob = read_png_gray(prob_path);
        if (prob.width != w || prob.height != h) fail("'", prob_path, "' does not match the mask size");
        froc.add(prob, truth_mcs, min_mc_area_px(min_mc_mm, spacing));
    }
    if (have_prob) f.froc = froc.points(f.names.size(), f.total_breast_cm2());
    return f;
}

std::optional<double> FolderScore::total_breast_cm2() const {
    double sum = 0;
    for (const auto& a : breast_cm2) {
        if (!a) return std::nullopt;
        sum += *a;
    }
    return sum;
}

std::optional<double> FolderScore::false_mcs_per_cm2() const {
    return per(double(total.false_mcs), total_breast_cm2());
}

std::string FolderScore::area_note() const {
    std::vector<std::string> missing;
    for (size_t i = 0; i < names.size(); ++i)
        if (!breast_cm2[i]) missing.push_back(names[i]);
    if (!missing.empty())
        return cat("the truth folder has no image NAME.png or NAME.dcm for ", missing.size(), " of ", names.size(),
                   " predictions (first: ", missing.front(), "): no breast area, so no false MCs per cm² of breast");
    if (!false_mcs_per_cm2()) return "the truth images show no breast (empty Otsu foreground): no false MCs per cm²";
    return "";
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
                   {"found_clusters", total.found_clusters},
                   {"breast_cm2", or_null(total_breast_cm2())},
                   {"false_mcs_per_cm2", or_null(false_mcs_per_cm2())}};
    if (!froc.empty()) {
        j["froc"] = ordered_json::array();
        for (const FrocPoint& p : froc)
            j["froc"].push_back({{"threshold", p.threshold},
                                 {"mc_sensitivity", p.mc_sensitivity},
                                 {"fp_per_image", p.fp_per_image},
                                 {"fp_per_cm2", or_null(p.fp_per_cm2)}});
        const FrocAtRates at = froc_at_rates(froc);
        ordered_json& r = j["froc_at_fp_per_cm2"] = {{"fp_per_cm2", kFrocRatesPerCm2}};
        r["mc_sensitivity"] = ordered_json::array();
        for (const auto& s : at.sensitivity) r["mc_sensitivity"].push_back(or_null(s));
        r["mean"] = or_null(at.mean);
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
                                  {"false_clusters", s.false_clusters},
                                  {"breast_cm2", or_null(breast_cm2[i])},
                                  {"false_mcs_per_cm2", or_null(per(double(s.false_mcs), breast_cm2[i]))}});
    }
    return j;
}

}  // namespace mcseg
