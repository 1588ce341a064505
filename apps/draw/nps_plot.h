// apps/draw/nps_plot.h — the radially averaged noise power spectrum of `mcseg stats` on log-log
// axes: decade grid lines labelled in cycles/mm and grey level² mm², the two β bands shaded, the
// power-law fits drawn over their bands, the legend beside the plot.
#pragma once
#include <string>
#include <vector>

#include "apps/imaging/power_spectrum.h"

namespace mcseg {

struct NamedSpectrum {
    std::string name;
    const RadialSpectrum* spectrum;
};

struct BandFit {
    Band band;
    PowerLaw fit;
};

// Writes a PNG: `mean` in black, `others` (e.g. each image's mean; the first 8) in colours, and
// each fit as a straight line over its band. An Error when the file cannot be written.
void draw_nps_chart(const std::string& path, const RadialSpectrum& mean, const std::vector<NamedSpectrum>& others,
                    const std::vector<BandFit>& fits);

}  // namespace mcseg
