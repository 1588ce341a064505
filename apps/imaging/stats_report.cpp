// apps/imaging/stats_report.cpp — see stats_report.h.
#include "apps/imaging/stats_report.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace mcseg {
namespace {

using json = nlohmann::ordered_json;

double value_or_nan(const std::optional<double>& v) { return v ? *v : std::numeric_limits<double>::quiet_NaN(); }
double beta_or_nan(const std::optional<PowerLaw>& p) { return p ? p->beta : std::numeric_limits<double>::quiet_NaN(); }

// A statistic: how to read it off an MC, a field or an image (exactly one is set).
struct StatDef {
    const char *key, *label;
    std::function<double(const McStats&)> mc;
    std::function<double(const FieldStats&)> field;
    std::function<double(const ImageStats&)> image;
};

const std::vector<StatDef>& stat_defs() {
    static const std::vector<StatDef> defs = {
        {"mc_area_px_at_0.05mm", "MC area at 0.05 mm (px)", [](const McStats& m) { return m.area_px_005; }, {}, {}},
        {"mc_contrast", "MC contrast (grey levels)", [](const McStats& m) { return m.contrast; }, {}, {}},
        {"mc_contrast_over_noise", "MC contrast / pixel noise", [](const McStats& m) { return m.contrast_over_noise; },
         {}, {}},
        {"mc_contrast_over_ring_std", "MC contrast / ring std",
         [](const McStats& m) { return m.contrast_over_ring_std; }, {}, {}},
        {"pixel_noise", "pixel noise sigma_n (grey levels)", {}, {}, [](const ImageStats& s) { return s.sigma_n; }},
        {"field_std", "field std (grey levels)", {}, [](const FieldStats& f) { return f.std; }, {}},
        {"noise_over_field_std", "pixel noise / field std", {}, [](const FieldStats& f) { return f.noise_ratio; }, {}},
        {"beta_0.15_1", "NPS slope beta, 0.15-1 c/mm", {}, [](const FieldStats& f) { return beta_or_nan(f.low); }, {}},
        {"beta_1_3", "NPS slope beta, 1-3 c/mm", {}, [](const FieldStats& f) { return beta_or_nan(f.high); }, {}},
        {"high_low_power", "high/low power (2-3 / 0.15-0.3 c/mm)", {},
         [](const FieldStats& f) { return value_or_nan(f.high_low); }, {}},
    };
    return defs;
}

double quantile(const std::vector<double>& sorted, double q) {
    const double pos = q * double(sorted.size() - 1);
    const size_t i = size_t(pos);
    if (i + 1 >= sorted.size()) return sorted.back();
    return sorted[i] + (pos - double(i)) * (sorted[i + 1] - sorted[i]);
}

// β in both bands and the high/low ratio; with `bins`, also the spectrum itself.
json spectrum_json(const RadialSpectrum& s, bool bins) {
    json j = {{"beta_0.15_1", beta_or_nan(power_law(s, kLowBand))},
              {"beta_1_3", beta_or_nan(power_law(s, kHighBand))},
              {"high_low_power", value_or_nan(high_low_ratio(s))}};
    if (!bins) return j;
    j["bin_width_cycles_per_mm"] = s.bin_width;
    j["nyquist_cycles_per_mm"] = s.nyquist;
    json f = json::array(), p = json::array(), n = json::array();
    for (size_t b = 0; b < s.fields.size(); ++b)
        if (s.fields[b]) {
            f.push_back(s.frequency(b));
            p.push_back(s.power(b));
            n.push_back(s.fields[b]);
        }
    j["frequency_cycles_per_mm"] = f;
    j["power"] = p;
    j["fields"] = n;
    return j;
}

json rows_json(const std::vector<StatRow>& rows) {
    json j = json::object();
    for (const StatRow& r : rows)
        j[r.key] = {{"over", r.over}, {"n", r.s.n}, {"median", r.s.median}, {"p10", r.s.p10}, {"p90", r.s.p90}};
    return j;
}

json image_json(const std::string& path, const ImageStats& st) {
    json j = {{"image", path},           {"width", st.width},          {"height", st.height},
              {"spacing_mm", st.spacing_mm}, {"has_air", st.has_air},  {"breast_px", st.breast_px},
              {"interior_px", st.interior_px}, {"noise_px", st.noise_px}, {"pixel_noise", st.sigma_n},
              {"field_px", st.field_px}};
    if (!st.note.empty()) j["note"] = st.note;
    j["summary"] = rows_json(stat_rows({&st}));
    json fields = json::array();
    for (const FieldStats& f : st.fields)
        fields.push_back({{"x", f.x}, {"y", f.y}, {"std", f.std}, {"pixel_noise", f.sigma_n},
                          {"noise_over_field_std", f.noise_ratio}, {"beta_0.15_1", beta_or_nan(f.low)},
                          {"beta_1_3", beta_or_nan(f.high)}, {"high_low_power", value_or_nan(f.high_low)}});
    j["fields"] = fields;
    j["spectrum"] = spectrum_json(st.nps, true);
    j["fields_with_mcs"] = st.fields_with_mcs;
    j["spectrum_with_mcs"] = spectrum_json(st.nps_with_mcs, false);
    if (!st.has_mask) j["mcs"] = nullptr;  // no NAME_mask.png
    else {
        json mcs = json::array();
        for (const McStats& m : st.mcs)
            mcs.push_back({{"label", m.label}, {"centroid", {m.cx, m.cy}}, {"area_px", m.area_px},
                           {"area_px_at_0.05mm", m.area_px_005}, {"contrast", m.contrast}, {"ring_px", m.ring_px},
                           {"ring_std", m.ring_std}, {"local_noise", m.local_noise},
                           {"contrast_over_noise", m.contrast_over_noise},
                           {"contrast_over_ring_std", m.contrast_over_ring_std}});
        j["mcs"] = mcs;
    }
    return j;
}

}  // namespace

Summary summarise(std::vector<double> values) {
    values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }), values.end());
    Summary s;
    s.n = values.size();
    if (values.empty()) return s;
    std::sort(values.begin(), values.end());
    s.median = quantile(values, 0.5);
    s.p10 = quantile(values, 0.1);
    s.p90 = quantile(values, 0.9);
    return s;
}

std::vector<StatRow> stat_rows(const std::vector<const ImageStats*>& images) {
    std::vector<StatRow> rows;
    for (const StatDef& d : stat_defs()) {
        std::vector<double> v;
        for (const ImageStats* st : images) {
            if (d.image) v.push_back(d.image(*st));
            if (d.field)
                for (const FieldStats& f : st->fields) v.push_back(d.field(f));
            if (d.mc)
                for (const McStats& m : st->mcs) v.push_back(d.mc(m));
        }
        rows.push_back({d.key, d.label, d.image ? "images" : d.field ? "fields" : "MCs", summarise(std::move(v))});
    }
    return rows;
}

RadialSpectrum mean_spectrum(const std::vector<const ImageStats*>& images, bool with_mcs) {
    RadialSpectrum s;
    for (const ImageStats* st : images) s.add(with_mcs ? st->nps_with_mcs : st->nps);
    return s;
}

json stats_json(const std::vector<std::string>& paths, const std::vector<ImageStats>& images, const StatsOptions& opt) {
    std::vector<const ImageStats*> all;
    json per_image = json::array();
    for (size_t i = 0; i < images.size(); ++i) {
        all.push_back(&images[i]);
        per_image.push_back(image_json(i < paths.size() ? paths[i] : "", images[i]));
    }
    json j = {{"format", "mcseg-stats-1"},
              {"options", {{"field_mm", opt.field_mm}, {"edge_margin_mm", opt.edge_margin_mm},
                           {"mc_margin_px", opt.mc_margin_px}}}};
    j["aggregate"] = {{"images", images.size()}, {"summary", rows_json(stat_rows(all))},
                      {"spectrum", spectrum_json(mean_spectrum(all), true)},
                      {"spectrum_with_mcs", spectrum_json(mean_spectrum(all, true), false)}};
    j["images"] = per_image;
    return j;
}

}  // namespace mcseg
