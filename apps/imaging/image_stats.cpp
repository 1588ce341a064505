// apps/imaging/image_stats.cpp — see image_stats.h.
#include "apps/imaging/image_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "apps/imaging/breast_region.h"
#include "apps/imaging/distance_transform.h"
#include "apps/imaging/pixel_noise.h"
#include "apps/imaging/summed_area.h"
#include "engine/error.h"

namespace mcseg {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The noise pixels (header): interior, off the outermost row and column, farther than margin_px
// from every MC pixel. The distance transform runs on the MCs' bounding box grown by the margin
// only (the MCs of an image lie in a few clusters).
std::vector<uint8_t> noise_pixels(const std::vector<uint8_t>& interior, const std::vector<uint8_t>* mc_mask, int w,
                                  int h, double margin_px) {
    std::vector<uint8_t> use = interior;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            if (x == 0 || y == 0 || x == w - 1 || y == h - 1) use[size_t(y) * w + x] = 0;
    int x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (int y = 0; mc_mask && y < h; ++y)
        for (int x = 0; x < w; ++x)
            if ((*mc_mask)[size_t(y) * w + x]) {
                x0 = std::min(x0, x), x1 = std::max(x1, x);
                y0 = std::min(y0, y), y1 = std::max(y1, y);
            }
    if (x1 < 0) return use;
    const int m = int(std::ceil(margin_px));
    x0 = std::max(0, x0 - m), y0 = std::max(0, y0 - m), x1 = std::min(w - 1, x1 + m), y1 = std::min(h - 1, y1 + m);
    const int cw = x1 - x0 + 1, ch = y1 - y0 + 1;
    std::vector<uint8_t> crop(size_t(cw) * ch);
    for (int y = 0; y < ch; ++y)
        for (int x = 0; x < cw; ++x) crop[size_t(y) * cw + x] = (*mc_mask)[size_t(y + y0) * w + x + x0];
    const std::vector<float> d2 = squared_distance_transform(crop, cw, ch);
    for (int y = 0; y < ch; ++y)
        for (int x = 0; x < cw; ++x)
            if (d2[size_t(y) * cw + x] <= margin_px * margin_px) use[size_t(y + y0) * w + x + x0] = 0;
    return use;
}

// What the measurements read: the image as read, the tissue without its MCs (mc_contrast.h; the
// image itself when there is no mask), Immerkær's residual and the noise pixels.
struct Inputs {
    const GrayImage& img;
    const GrayImage& tissue;
    const std::vector<float>& residual;
    const std::vector<uint8_t>& use;
};

std::vector<double> field_values(const GrayImage& img, int x0, int y0, int s) {
    std::vector<double> v(size_t(s) * s);
    for (int y = 0; y < s; ++y)
        for (int x = 0; x < s; ++x) v[size_t(y) * s + x] = img.at(x0 + x, y0 + y);
    return v;
}

// One field at (x0, y0): std after the plane, its σ_n and its spectrum, of the tissue; and the
// spectrum with the MCs left in (computed again only when the field holds an MC).
FieldStats measure_field(const Inputs& in, int x0, int y0, int s, bool holds_mcs, double spacing_mm,
                         double bin_width, RadialSpectrum& spectrum, RadialSpectrum& with_mcs) {
    FieldStats f;
    f.x = x0;
    f.y = y0;
    std::vector<double> v = field_values(in.tissue, x0, y0, s);
    f.std = remove_plane(v, s, s);
    f.sigma_n = pixel_noise(in.residual, in.use, in.img.width, x0, y0, x0 + s, y0 + s);
    f.noise_ratio = f.std > 0 ? f.sigma_n / f.std : kNaN;
    spectrum = field_nps(std::move(v), s, spacing_mm, bin_width);
    with_mcs = holds_mcs ? field_nps(field_values(in.img, x0, y0, s), s, spacing_mm, bin_width) : spectrum;
    f.low = power_law(spectrum, kLowBand);
    f.high = power_law(spectrum, kHighBand);
    f.high_low = high_low_ratio(spectrum);
    return f;
}

// The top-left corners of the grid cells that lie wholly in the interior (header).
std::vector<std::pair<int, int>> field_corners(const std::vector<uint8_t>& interior, int w, int h, int s) {
    const int nx = w / s, ny = h / s, ox = (w - nx * s) / 2, oy = (h - ny * s) / 2;
    const SummedArea inside(interior, w, h);
    std::vector<std::pair<int, int>> corners;
    for (int j = 0; j < ny; ++j)
        for (int i = 0; i < nx; ++i)
            if (inside.count(ox + i * s, oy + j * s, ox + (i + 1) * s, oy + (j + 1) * s) == int64_t(s) * s)
                corners.emplace_back(ox + i * s, oy + j * s);
    return corners;
}

// Every field and the image's mean spectra; a note in st when there is no field.
void measure_fields(const Inputs& in, const std::vector<uint8_t>& interior, const std::vector<uint8_t>* mc_mask,
                    const StatsOptions& opt, ImageStats& st) {
    const int s = st.field_px, w = in.img.width, h = in.img.height;
    if (w < s || h < s) {
        st.note = cat(w, "x", h, " px is smaller than one ", opt.field_mm, " mm field (", s, " px): no field statistics");
        return;
    }
    const auto corners = field_corners(interior, w, h, s);
    std::vector<uint8_t> holds_mcs(corners.size(), 0);
    if (mc_mask) {
        const SummedArea mcs(*mc_mask, w, h);
        for (size_t k = 0; k < corners.size(); ++k)
            holds_mcs[k] = mcs.count(corners[k].first, corners[k].second, corners[k].first + s, corners[k].second + s) > 0;
    }
    st.fields.resize(corners.size());
    std::vector<RadialSpectrum> spectra(corners.size()), with_mcs(corners.size());
#pragma omp parallel for schedule(dynamic)
    for (size_t k = 0; k < corners.size(); ++k)
        st.fields[k] = measure_field(in, corners[k].first, corners[k].second, s, holds_mcs[k], st.spacing_mm,
                                     1.0 / opt.field_mm, spectra[k], with_mcs[k]);
    for (size_t k = 0; k < corners.size(); ++k) {  // in grid order, whatever the threads did
        st.nps.add(spectra[k]);
        st.nps_with_mcs.add(with_mcs[k]);
        st.fields_with_mcs += holds_mcs[k];
    }
    if (st.fields.empty())
        st.note = cat("no ", opt.field_mm, " mm field (", s, " px) lies inside the breast: no field statistics");
    st.low = power_law(st.nps, kLowBand);
    st.high = power_law(st.nps, kHighBand);
    st.high_low = high_low_ratio(st.nps);
}

// Contrast of every MC, and its ratios to the local pixel noise and to its ring's std; `tissue`
// is set to the image without its MCs.
void measure_mcs(const GrayImage& img, const std::vector<uint8_t>& mc_mask, const std::vector<float>& residual,
                 const std::vector<uint8_t>& use, ImageStats& st, GrayImage& tissue) {
    const Labeling l = label_components(mc_mask, img.width, img.height);
    const int s = st.field_px;
    for (const McContrast& c : measure_mc_contrast(img, l, st.spacing_mm, &tissue)) {
        McStats m;
        static_cast<McContrast&>(m) = c;
        const int x0 = std::clamp(int(std::lround(c.cx)) - s / 2, 0, std::max(0, img.width - s));
        const int y0 = std::clamp(int(std::lround(c.cy)) - s / 2, 0, std::max(0, img.height - s));
        m.local_noise = pixel_noise(residual, use, img.width, x0, y0, std::min(img.width, x0 + s),
                                    std::min(img.height, y0 + s));
        m.contrast_over_noise = m.local_noise > 0 ? c.contrast / m.local_noise : kNaN;
        m.contrast_over_ring_std = c.ring_std > 0 ? c.contrast / c.ring_std : kNaN;
        st.mcs.push_back(m);
    }
}

}  // namespace

ImageStats measure_image(const GrayImage& img, const std::vector<uint8_t>* mc_mask, double spacing_mm,
                         const StatsOptions& opt) {
    if (!(spacing_mm > 0)) fail("pixel spacing must be positive, not ", spacing_mm);
    if (!(opt.field_mm > 0)) fail("field size must be positive, not ", opt.field_mm, " mm");
    if (mc_mask && mc_mask->size() != img.pixels.size())
        fail("MC mask of ", mc_mask->size(), " pixels does not match the ", img.width, "x", img.height, " image");
    ImageStats st;
    st.width = img.width;
    st.height = img.height;
    st.spacing_mm = spacing_mm;
    st.has_mask = mc_mask != nullptr;
    st.field_px = int(std::lround(opt.field_mm / spacing_mm));
    if (st.field_px < 16) fail("a ", opt.field_mm, " mm field is ", st.field_px, " px at ", spacing_mm, " mm: too small");
    const BreastRegion region = find_breast(img, opt.edge_margin_mm / spacing_mm);
    st.has_air = region.has_air;
    st.breast_px = region.breast_px;
    st.interior_px = region.interior_px;
    const std::vector<float> residual = noise_residual(img);
    const std::vector<uint8_t> use = noise_pixels(region.interior, mc_mask, img.width, img.height, opt.mc_margin_px);
    st.sigma_n = pixel_noise(residual, use, img.width, 0, 0, img.width, img.height, &st.noise_px);
    GrayImage tissue;
    if (mc_mask) measure_mcs(img, *mc_mask, residual, use, st, tissue);
    measure_fields({img, mc_mask ? tissue : img, residual, use}, region.interior, mc_mask, opt, st);
    return st;
}

}  // namespace mcseg
