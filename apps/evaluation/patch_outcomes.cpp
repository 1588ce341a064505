// apps/evaluation/patch_outcomes.cpp — see patch_outcomes.h.
#include "apps/evaluation/patch_outcomes.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>

#include "apps/io/image.h"
#include "engine/error.h"

namespace mcseg {

std::vector<PatchGeometry> patch_geometry(const std::vector<PatchOutcome>& outcomes, int n) {
    std::map<std::string, std::vector<size_t>> by_mask;
    for (size_t i = 0; i < outcomes.size(); ++i) by_mask[outcomes[i].mask_path].push_back(i);
    std::vector<PatchGeometry> g(outcomes.size());
    const int r = n / 2;
    for (const auto& [path, items] : by_mask) {
        int w = 0, h = 0;
        const std::vector<uint8_t> mask = read_mask_png(path, 0, 0, &w, &h);
        for (size_t i : items) {
            const PatchOutcome& o = outcomes[i];
            if (o.x < r || o.y < r || o.x + r >= w || o.y + r >= h)
                fail("patch centre (", o.x, ", ", o.y, ") of '", o.image, "' is outside its ", w, "x", h, " mask");
            PatchGeometry& p = g[i];
            for (int dy = -r; dy <= r; ++dy)
                for (int dx = -r; dx <= r; ++dx) {
                    if (!mask[size_t(o.y + dy) * w + (o.x + dx)]) continue;
                    ++p.mc_pixels;
                    const int d = std::max(std::abs(dx), std::abs(dy));
                    if (p.nearest_mc < 0 || d < p.nearest_mc) p.nearest_mc = d;
                }
        }
    }
    return g;
}

void write_outcomes_csv(const std::string& path, const std::vector<PatchOutcome>& outcomes,
                        const std::vector<PatchGeometry>& geometry) {
    std::ofstream out(path);
    out << "image,x,y,class,p_positive,correct,nearest_mc,mc_pixels\n";
    char line[96];
    for (size_t i = 0; i < outcomes.size(); ++i) {
        const PatchOutcome& o = outcomes[i];
        std::snprintf(line, sizeof line, ",%d,%d,C%d,%.5f,%d,%d,%d\n", o.x, o.y, o.cls, o.p_positive, int(o.correct),
                      geometry[i].nearest_mc, geometry[i].mc_pixels);
        out << o.image << line;
    }
    if (!out) fail("cannot write '", path, "'");
}

std::string error_by_ring_markdown(const std::vector<PatchOutcome>& outcomes, const std::vector<PatchGeometry>& geometry,
                                   int n) {
    // Bands of rings: C2's 1..3, the inner and middle of the patch, then each of the outer four.
    const int r = n / 2;
    std::vector<std::pair<int, int>> bands{{1, 3}, {4, r / 2}, {r / 2 + 1, r - 4}};
    for (int k = r - 3; k <= r; ++k) bands.push_back({k, k});
    bands.erase(std::remove_if(bands.begin(), bands.end(), [](auto b) { return b.first > b.second; }), bands.end());
    std::string md = "| nearest MC in ring |";
    for (auto [lo, hi] : bands) md += lo == hi ? " " + std::to_string(lo) + " |" : " " + std::to_string(lo) + "–" + std::to_string(hi) + " |";
    md += "\n| --- |";
    for (size_t b = 0; b < bands.size(); ++b) md += " --- |";
    md += "\n";
    char cell[64];
    for (int c = 2; c <= 3; ++c) {
        md += "| C" + std::to_string(c) + " error % (patches) |";
        for (auto [lo, hi] : bands) {
            long long count = 0, wrong = 0;
            for (size_t i = 0; i < outcomes.size(); ++i)
                if (outcomes[i].cls == c && geometry[i].nearest_mc >= lo && geometry[i].nearest_mc <= hi) {
                    ++count;
                    wrong += !outcomes[i].correct;
                }
            if (count) std::snprintf(cell, sizeof cell, " %.2f (%lld) |", 100.0 * double(wrong) / double(count), count);
            else std::snprintf(cell, sizeof cell, " – |");
            md += cell;
        }
        md += "\n";
    }
    return md;
}

}  // namespace mcseg
