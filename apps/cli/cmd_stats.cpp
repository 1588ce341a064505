// apps/cli/cmd_stats.cpp — `mcseg stats`: the image statistics that compare synthetic mammograms with
// real ones (apps/imaging/image_stats.h defines them, apps/imaging/stats_report.h summarises them).
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "apps/cli/args.h"
#include "apps/cli/commands.h"
#include "apps/draw/nps_plot.h"
#include "apps/imaging/stats_report.h"
#include "apps/io/image.h"
#include "apps/io/image_folder.h"
#include "engine/error.h"

namespace mcseg {
namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The spacing to use and where it came from: --pixel-spacing, the DICOM, NAME.json, else 0.05 mm.
double image_spacing(double given, const GrayImage& img, const std::string& sidecar, std::string& source) {
    source = "--pixel-spacing";
    if (given > 0) return given;
    source = "DICOM";
    if (img.pixel_spacing_mm > 0) return img.pixel_spacing_mm;
    source = fs::path(sidecar).filename().string();
    if (const double s = sidecar_spacing(sidecar); s > 0) return s;
    source = "default";
    return 0.05;
}

// Reads one image, its mask when NAME_mask.png exists, and measures it; prints a line.
ImageStats stats_of(const std::string& path, double given_spacing, const StatsOptions& opt) {
    const GrayImage img = read_image(path);
    const fs::path p(path);
    const std::string dir = p.parent_path().string(), name = p.stem().string();
    std::string source;
    const double spacing = image_spacing(given_spacing, img, sidecar_path(dir, name), source);
    std::vector<uint8_t> mask;
    const bool has_mask = fs::is_regular_file(mask_path(dir, name));
    if (has_mask) mask = read_mask_png(mask_path(dir, name), img.width, img.height);
    const ImageStats st = measure_image(img, has_mask ? &mask : nullptr, spacing, opt);
    double noise_ratio = 0;
    for (const StatRow& r : stat_rows({&st}))
        if (r.key == "noise_over_field_std") noise_ratio = r.s.median;
    std::printf("%s: %dx%d, %.3f mm (%s), %s, pixel noise %.3g, %zu fields of %d px, noise/field std %.3g, %s\n",
                name.c_str(), st.width, st.height, spacing, source.c_str(), st.has_air ? "air found" : "all tissue",
                st.sigma_n, st.fields.size(), st.field_px, noise_ratio,
                has_mask ? cat(st.mcs.size(), " MCs").c_str() : "no mask");
    if (!st.note.empty()) std::printf("  note: %s\n", st.note.c_str());
    return st;
}

// "beta 0.15-1 c/mm B, beta 1-3 c/mm B, high/low power R" of a spectrum ("none" where undefined).
std::string spectrum_line(const RadialSpectrum& s) {
    const auto low = power_law(s, kLowBand), high = power_law(s, kHighBand);
    const auto ratio = high_low_ratio(s);
    return cat("beta 0.15-1 c/mm ", low ? cat(low->beta) : "none", ", beta 1-3 c/mm ", high ? cat(high->beta) : "none",
               ", high/low power ", ratio ? cat(*ratio) : "none");
}

void print_table(const std::vector<const ImageStats*>& all) {
    std::printf("\n%-40s %-7s %6s %10s %10s %10s\n", "statistic", "over", "n", "median", "p10", "p90");
    for (const StatRow& r : stat_rows(all))
        std::printf("%-40s %-7s %6zu %10.3g %10.3g %10.3g\n", r.label.c_str(), r.over.c_str(), r.s.n, r.s.median,
                    r.s.p10, r.s.p90);
    std::printf("mean NPS of all fields: %s\n", spectrum_line(mean_spectrum(all)).c_str());
    int with_mcs = 0;
    for (const ImageStats* st : all) with_mcs += st->fields_with_mcs;
    if (with_mcs)
        std::printf("the same with the MCs left in (%d fields hold MCs): %s\n", with_mcs,
                    spectrum_line(mean_spectrum(all, true)).c_str());
}

void write_psd(const std::string& path, const std::vector<std::string>& paths, const std::vector<ImageStats>& all) {
    std::vector<const ImageStats*> ptrs;
    for (const ImageStats& st : all) ptrs.push_back(&st);
    const RadialSpectrum mean = mean_spectrum(ptrs), with_mcs = mean_spectrum(ptrs, true);
    if (mean.empty()) fail("no tissue field in any image: cannot draw the power spectrum");
    std::vector<NamedSpectrum> others;
    int fields_with_mcs = 0;
    for (size_t i = 0; i < all.size(); ++i) {
        fields_with_mcs += all[i].fields_with_mcs;
        if (!all[i].nps.empty()) others.push_back({fs::path(paths[i]).stem().string(), &all[i].nps});
    }
    if (fields_with_mcs) others.insert(others.begin(), {"mean, MCs left in", &with_mcs});
    std::vector<BandFit> fits;
    for (Band b : {kLowBand, kHighBand})
        if (const auto f = power_law(mean, b)) fits.push_back({b, *f});
    draw_nps_chart(path, mean, others, fits);
}

int run_stats(int argc, char** argv) {
    Args a(argc, argv, "mcseg stats IMAGE... [--json FILE] [--psd FILE.png] [--pixel-spacing MM] [--field-mm 17.9]",
           "Measure the statistics that compare synthetic mammograms with real ones: pixel noise,\n"
           "tissue fields (std, noise/std, noise power spectrum slope and high/low power) and, where\n"
           "NAME_mask.png is beside the image, each MC's area and contrast. Definitions:\n"
           "apps/imaging/image_stats.h. Files ending in _mask.png or _preview.png, and the --psd\n"
           "file, are skipped.");
    a.option("--json", "FILE", "write every measurement and the summaries as JSON", "-");
    a.option("--psd", "FILE", "write the mean noise power spectrum as a PNG (log-log)", "-");
    a.option("--pixel-spacing", "MM", "pixel spacing (default: DICOM, else NAME.json, else 0.05)", "0");
    a.option("--field-mm", "MM", "side of the square tissue fields", "17.9");
    if (a.parse()) return 0;
    StatsOptions opt;
    opt.field_mm = a.get_double("--field-mm", 1, 1000);
    const double spacing = a.get_double("--pixel-spacing", 0, 10);
    // Masks, previews and this command's own plot (a second run of `stats DIR/*.png --psd
    // DIR/psd.png` sees it among the images) are not images.
    const fs::path psd = a.given("--psd") ? fs::weakly_canonical(a.get("--psd")) : fs::path();
    std::vector<std::string> paths;
    for (const std::string& p : a.positionals())
        if (!ends_with(p, "_mask.png") && !ends_with(p, "_preview.png") && fs::weakly_canonical(p) != psd)
            paths.push_back(p);
    if (paths.empty()) fail("no image given (see --help)");
    std::vector<ImageStats> all;
    for (const std::string& p : paths) all.push_back(stats_of(p, spacing, opt));
    std::vector<const ImageStats*> ptrs;
    for (const ImageStats& st : all) ptrs.push_back(&st);
    print_table(ptrs);
    if (a.given("--json")) {
        std::ofstream out(a.get("--json"));
        out << stats_json(paths, all, opt).dump(1) << "\n";
        if (!out) fail("cannot write '", a.get("--json"), "'");
    }
    if (a.given("--psd")) write_psd(a.get("--psd"), paths, all);
    return 0;
}

const RegisterCommand reg{{"stats", "image statistics (noise, tissue spectrum, MC contrast) to compare with real images",
                           run_stats}};

}  // namespace
}  // namespace mcseg
