// apps/imaging/stats_report.h — `mcseg stats` over many images: the summary of each statistic
// (median, 10th and 90th percentiles) over the MCs, fields or images it is measured on, and the
// whole report as JSON.
//
// Percentiles: of the finite values sorted, v[q·(n−1)] with linear interpolation between the two
// nearest (numpy's default); the median is q = 0.5. Undefined values (NaN: an MC with no ring, a
// band past the Nyquist frequency) are left out and do not count in n.
#pragma once
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apps/imaging/image_stats.h"

namespace mcseg {

struct Summary {
    size_t n = 0;
    double median = std::numeric_limits<double>::quiet_NaN();
    double p10 = median, p90 = median;
};

Summary summarise(std::vector<double> values);

// One statistic over a set of images: its key in the JSON, a label for the table, what it is
// measured on ("MCs", "fields", "images") and the summary.
struct StatRow {
    std::string key, label, over;
    Summary s;
};

// Every statistic, summarised over all MCs / fields / images of the given images.
std::vector<StatRow> stat_rows(const std::vector<const ImageStats*>& images);

// The mean spectrum of every field of the images (each field weighs the same); with_mcs: the
// spectra with the MCs left in.
RadialSpectrum mean_spectrum(const std::vector<const ImageStats*>& images, bool with_mcs = false);

// The report: per image (its path, measurements, fields, MCs, spectrum and rows), and the
// aggregate over all images (rows and the mean spectrum with its β and high/low ratio); both
// also give the β and high/low ratio of the spectrum with the MCs left in.
nlohmann::ordered_json stats_json(const std::vector<std::string>& paths, const std::vector<ImageStats>& images,
                                  const StatsOptions& opt);

}  // namespace mcseg
