// apps/segment/report.cpp — see report.h.
#include "apps/segment/report.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "apps/draw/overlay.h"
#include "engine/error.h"

namespace mcseg {

using nlohmann::ordered_json;

ordered_json segment_json(const SegmentResult& r) {
    const double mm2 = r.spacing_mm * r.spacing_mm;
    std::vector<int> cluster_of(r.mcs.components.size(), -1);
    for (size_t c = 0; c < r.clusters.size(); ++c)
        for (int m : r.clusters[c].members) cluster_of[m] = int(c);
    ordered_json mcs = ordered_json::array(), clusters = ordered_json::array(), stages = ordered_json::array();
    for (size_t i = 0; i < r.mcs.components.size(); ++i) {
        const Component& c = r.mcs.components[i];
        mcs.push_back({{"id", i},
                       {"x", c.cx},
                       {"y", c.cy},
                       {"area_px", c.area_px},
                       {"area_mm2", c.area_px * mm2},
                       {"mean_intensity", c.mean_intensity},
                       {"peak_intensity", c.peak_intensity},
                       {"bbox", {c.x0, c.y0, c.x1, c.y1}},
                       {"cluster", cluster_of[i] < 0 ? ordered_json(nullptr) : ordered_json(cluster_of[i])}});
    }
    for (size_t k = 0; k < r.clusters.size(); ++k) {
        const Cluster& c = r.clusters[k];
        double box_cm2 = (c.x1 - c.x0 + 1) * (c.y1 - c.y0 + 1) * mm2 / 100.0;
        clusters.push_back({{"id", k},
                            {"mc_count", c.members.size()},
                            {"x", c.cx},
                            {"y", c.cy},
                            {"bbox", {c.x0, c.y0, c.x1, c.y1}},
                            {"bbox_cm2", box_cm2},
                            {"mc_ids", c.members}});
    }
    for (const auto& s : r.stages)
        stages.push_back({{"name", s.name}, {"seconds", s.seconds}, {"patches", s.patches}, {"gflop", s.gflop}});
    return {{"width", r.width},
            {"height", r.height},
            {"pixel_spacing_mm", r.spacing_mm},
            {"mode", r.mode.empty() ? ordered_json(nullptr) : ordered_json(r.mode)},
            {"mc_count", r.mcs.components.size()},
            {"cluster_count", r.clusters.size()},
            {"seconds", r.seconds()},
            {"gflop", r.gflop()},
            {"stages", stages},
            {"detector_windows", r.windows},
            {"positive_windows", r.positive_windows},
            {"candidate_pixels", r.candidate_pixels},
            {"mcs", mcs},
            {"clusters", clusters}};
}

void write_segment_outputs(const SegmentResult& r, const GrayImage& img, const std::string& dir,
                           const std::string& name, const ordered_json& info) {
    namespace fs = std::filesystem;
    auto path = [&](const std::string& suffix) { return (fs::path(dir) / (name + suffix)).string(); };
    std::vector<uint8_t> mask255(r.mask.size());
    for (size_t i = 0; i < r.mask.size(); ++i) mask255[i] = r.mask[i] ? 255 : 0;
    write_png_gray8(path("_mask.png"), r.width, r.height, mask255.data());
    write_png_gray8(path("_prob.png"), r.width, r.height, r.probability.data());

    OverlaySpec s;
    s.pixels = &img.pixels;
    s.mask = &r.mask;
    s.width = r.width;
    s.height = r.height;
    s.spacing_mm = r.spacing_mm;
    s.title = name;
    char sub[160];
    std::snprintf(sub, sizeof sub, "%zu MCs, %zu clusters (> 5 MCs per cm2)  %.1f s", r.mcs.components.size(),
                  r.clusters.size(), r.seconds());
    s.subtitle = sub;
    s.empty_note = r.mcs.components.empty() ? "no MC found" : "no cluster found";
    s.max_targets = 6;
    for (size_t k = 0; k < r.clusters.size(); ++k) {
        const Cluster& c = r.clusters[k];
        s.targets.push_back({"cluster " + std::to_string(k) + ": " + std::to_string(c.members.size()) + " MCs",
                             int(c.x0), int(c.y0), int(c.x1), int(c.y1)});
    }
    write_overlay(s, path("_overlay.png"));

    ordered_json j = info;
    const ordered_json result = segment_json(r);
    for (const auto& [k, v] : result.items()) j[k] = v;
    std::string tmp = path(".json.tmp");
    {
        std::ofstream out(tmp);
        out << j.dump(1) << "\n";
        if (!out) fail("cannot write '", tmp, "'");
    }
    fs::rename(tmp, path(".json"));
}

}  // namespace mcseg
