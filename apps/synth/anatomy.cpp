// apps/synth/anatomy.cpp — the breast on a half-resolution grid: outline, thickness, skin,
// parenchyma, ligaments, vessels, ducts, pectoral muscle and skin folds (see synth_internal.h).
//
// Geometry (canonical orientation, chest wall at x = 0): the outline is an ellipse around the
// chest-wall point (0, cy), radius R(theta) perturbed by low harmonics and a nipple bump. A
// compressed breast is a slab of thickness T0 whose edge is rounded with radius T0/2, so at
// distance d from the skin the X-ray path is T(d) = T0 sqrt(1 - (1 - d/(T0/2))^2): tissue thins
// and the image darkens towards the edge. The skin is a shell of 1-2 mm; a ray tangent to it
// crosses a long chord of skin, which gives the bright skin line.
//
// Tissue: mu = mu_fat + D (mu_gland - mu_fat), with the fibroglandular fraction
// D = sigmoid((envelope + texture - threshold) / width): the envelope puts glandular tissue
// behind the nipple away from the skin, the texture is a 1/f^3 Gaussian field, and the global
// density level moves the threshold (fatty .. extremely dense). Cooper's ligaments are the zero
// lines of a band-pass field, drawn in the fatty part. Vessels run from the chest wall, ducts
// from the nipple backwards; both are tapered cylinders drawn as smooth random walks.
// Linear attenuation coefficients are those of ~20 keV X-rays (per cm).
#include <algorithm>
#include <cmath>

#include "apps/imaging/distance_transform.h"
#include "apps/synth/field.h"
#include "apps/synth/stages.h"

namespace mcseg {
namespace {

constexpr double kMuFat = 0.45, kMuGland = 0.80, kMuSkin = 0.75, kMuMuscle = 0.72;

double smoothstep(double e0, double e1, double x) {
    double t = std::clamp((x - e0) / (e1 - e0), 0.0, 1.0);
    return t * t * (3 - 2 * t);
}

// Tapered cylinders along a random walk, composed with max() into `layer` (grid units).
struct TubeDrawer {
    int gw, gh;
    const std::vector<uint8_t>& breast;
    std::vector<float>& layer;
    double cell_cm;  // grid cell size in cm

    // Stamps a segment of radius r (cells) whose tube has attenuation mu (per cm).
    void segment(double x0, double y0, double x1, double y1, double r, double mu) {
        int bx0 = std::max(0, int(std::floor(std::min(x0, x1) - r - 1)));
        int bx1 = std::min(gw - 1, int(std::ceil(std::max(x0, x1) + r + 1)));
        int by0 = std::max(0, int(std::floor(std::min(y0, y1) - r - 1)));
        int by1 = std::min(gh - 1, int(std::ceil(std::max(y0, y1) + r + 1)));
        double dx = x1 - x0, dy = y1 - y0, len2 = std::max(1e-9, dx * dx + dy * dy);
        for (int y = by0; y <= by1; ++y)
            for (int x = bx0; x <= bx1; ++x) {
                double t = std::clamp(((x - x0) * dx + (y - y0) * dy) / len2, 0.0, 1.0);
                double ex = x - (x0 + t * dx), ey = y - (y0 + t * dy);
                double d2 = ex * ex + ey * ey;
                if (d2 >= r * r) continue;
                size_t i = size_t(y) * gw + x;
                if (!breast[i]) continue;
                float v = float(mu * 2.0 * std::sqrt(r * r - d2) * cell_cm);  // chord through the tube
                layer[i] = std::max(layer[i], v);
            }
    }

    // A walk from (x, y) heading `dir` for `length` cells, radius r0 tapering to r0/2; pulled
    // towards `pull_dir` by `pull`; branches with probability branch_p per step.
    void walk(Rng& rng, double x, double y, double dir, double pull_dir, double pull, double length, double r0,
              double mu, double branch_p, int depth) {
        const double step = std::max(2.0, r0);
        const int steps = int(length / step);
        for (int s = 0; s < steps; ++s) {
            double t = double(s) / std::max(1, steps);
            double r = r0 * (1.0 - 0.5 * t);
            dir += 0.12 * rng.normal() + pull * std::remainder(pull_dir - dir, 2 * M_PI);
            double nx = x + step * std::cos(dir), ny = y + step * std::sin(dir);
            if (nx < 0 || ny < 0 || nx >= gw || ny >= gh || !breast[size_t(ny) * gw + size_t(nx)]) return;
            segment(x, y, nx, ny, r, mu);
            if (depth < 2 && rng.chance(branch_p))
                walk(rng, nx, ny, dir + (rng.chance(0.5) ? 1 : -1) * rng.uniform(0.3, 0.9), pull_dir, pull,
                     (steps - s) * step * rng.uniform(0.3, 0.7), 0.65 * r, mu, branch_p, depth + 1);
            x = nx;
            y = ny;
        }
    }
};

}  // namespace

float Anatomy::sample(const std::vector<float>& map, double x, double y) const {
    double gx = std::clamp((x + 0.5) / 2 - 0.5, 0.0, gw - 1.0), gy = std::clamp((y + 0.5) / 2 - 0.5, 0.0, gh - 1.0);
    int x0 = std::min(int(gx), gw - 2 < 0 ? 0 : gw - 2), y0 = std::min(int(gy), gh - 2 < 0 ? 0 : gh - 2);
    int x1 = std::min(x0 + 1, gw - 1), y1 = std::min(y0 + 1, gh - 1);
    float fx = float(gx - x0), fy = float(gy - y0);
    const float* r0 = &map[size_t(y0) * gw], *r1 = &map[size_t(y1) * gw];
    return (r0[x0] * (1 - fx) + r0[x1] * fx) * (1 - fy) + (r1[x0] * (1 - fx) + r1[x1] * fx) * fy;
}

uint8_t Anatomy::nearest(const std::vector<uint8_t>& map, int x, int y) const {
    return map[size_t(std::min(y / 2, gh - 1)) * gw + std::min(x / 2, gw - 1)];
}

Anatomy make_anatomy(const SynthConfig& cfg, uint64_t key, Rng& rng, SynthImage& out) {
    Anatomy an;
    const int W = cfg.width, H = cfg.height;
    an.gw = (W + 1) / 2;
    an.gh = (H + 1) / 2;
    const int gw = an.gw, gh = an.gh;
    const size_t n = size_t(gw) * gh;
    const double px_mm = cfg.spacing_mm, cell_mm = 2 * px_mm;

    // Outline (grid units).
    const bool mlo = rng.chance(0.5);
    out.view = mlo ? "MLO" : "CC";
    const double cy = gh * (mlo ? rng.uniform(0.40, 0.50) : rng.uniform(0.46, 0.54));
    const double ax = gw * rng.uniform(0.62, 0.88);
    const double by = gh * (mlo ? rng.uniform(0.50, 0.60) : rng.uniform(0.36, 0.46));
    double harm_c[7] = {}, harm_p[7] = {};
    for (int k = 2; k <= 6; ++k) {
        harm_c[k] = 0.015 * rng.normal();
        harm_p[k] = rng.uniform(0, 2 * M_PI);
    }
    const double nip_theta = (mlo ? 0.12 : 0.0) + 0.08 * rng.normal();
    auto radius = [&](double th) {
        double c = std::cos(th), s = std::sin(th);
        double r = ax * by / std::sqrt(by * by * c * c + ax * ax * s * s);
        double f = 1;
        for (int k = 2; k <= 6; ++k) f += harm_c[k] * std::cos(k * th + harm_p[k]);
        f += 0.03 * std::exp(-std::pow((th - nip_theta) / 0.05, 2));
        return r * f;
    };
    an.breast.assign(n, 0);
    for (int y = 0; y < gh; ++y)
        for (int x = 0; x < gw; ++x) {
            double dx = x + 0.5, dy = y + 0.5 - cy;
            an.breast[size_t(y) * gw + x] = std::hypot(dx, dy) < radius(std::atan2(dy, dx));
        }
    // Distance to the skin: to the nearest air cell (the image border is not skin).
    std::vector<uint8_t> air(n);
    for (size_t i = 0; i < n; ++i) air[i] = !an.breast[i];
    an.edge_px = squared_distance_transform(air, gw, gh);
    for (auto& d : an.edge_px) d = d >= kNoFeature ? 1e9f : 2.0f * std::sqrt(d);

    // Thickness and skin chord (cm).
    const double t0 = rng.uniform(3.5, 6.5);
    out.thickness_cm = t0;
    const double rc_px = t0 * 10 / 2 / px_mm;        // edge rounding radius
    const double skin_px = rng.uniform(1.0, 2.0) / px_mm;
    auto chord = [](double rc, double depth) {       // chord of a circle of radius rc at `depth` inside
        depth = std::clamp(depth, 0.0, rc);
        return 2 * std::sqrt(std::max(0.0, rc * rc - (rc - depth) * (rc - depth)));
    };

    // Texture fields on a quarter-resolution grid (0.2 mm cells), sampled bilinearly.
    auto pow2 = [](int n) {
        int p = 1;
        while (p < n) p *= 2;
        return p;
    };
    const int fw = pow2((gw + 1) / 2), fh = pow2((gh + 1) / 2);
    const double fcell_mm = 2 * cell_mm, beta = 3.0;
    const double lobule_mm = rng.uniform(6, 12);
    std::vector<float> tex, lig;
    gaussian_fields(
        fw, fh, key,
        [&](double f) { return std::pow(std::max(f / fcell_mm, 1.0 / 60.0), -beta / 2); },
        [&](double f) { return std::exp(-std::pow(std::log(f / fcell_mm * lobule_mm), 2) / (2 * 0.3 * 0.3)); },
        tex, lig);
    // Bilinear, periodic sample at grid position (x, y) (the fields are periodic on their
    // power-of-two grid, so warped coordinates may wrap around without seams).
    auto field = [&](const std::vector<float>& m, double x, double y) {
        double fx = x * 0.5, fy = y * 0.5;
        fx -= fw * std::floor(fx / fw);
        fy -= fh * std::floor(fy / fh);
        int x0 = std::min(int(fx), fw - 1), y0 = std::min(int(fy), fh - 1);
        int x1 = (x0 + 1) % fw, y1 = (y0 + 1) % fh;
        double ux = fx - x0, uy = fy - y0;
        return (m[size_t(y0) * fw + x0] * (1 - ux) + m[size_t(y0) * fw + x1] * ux) * (1 - uy) +
               (m[size_t(y1) * fw + x0] * (1 - ux) + m[size_t(y1) * fw + x1] * ux) * uy;
    };

    // Fibroglandular envelope and global density.
    const double density = rng.uniform(0.05, 0.95);
    out.density = density;
    const double ex = ax * rng.uniform(0.30, 0.50), ey = cy + 0.05 * by * rng.normal();
    const double ea = ax * rng.uniform(0.40, 0.60), eb = by * rng.uniform(0.45, 0.70);
    const double subcut_px = rng.uniform(4, 10) / px_mm;  // subcutaneous fat layer
    const double lig_width = rng.uniform(0.04, 0.07), lig_mu = rng.uniform(0.04, 0.12);

    // Pectoral muscle (MLO): the part of the breast above the line (0, py) - (px, 0).
    an.pectoral.assign(n, 0);
    const double pec_y = gh * rng.uniform(0.30, 0.55), pec_x = gw * rng.uniform(0.20, 0.40);

    const double nip_x = radius(nip_theta) * std::cos(nip_theta), nip_y = cy + radius(nip_theta) * std::sin(nip_theta);
    const double strand_r = 0.5 * ax;  // radius where the polar texture is isotropic
    // The strands' focus lies a little outside the nipple, so they do not meet in one point.
    const double focus_x = nip_x + 0.12 * ax * std::cos(nip_theta), focus_y = nip_y + 0.12 * ax * std::sin(nip_theta);
    an.atten.assign(n, 0.0f);
    for (int y = 0; y < gh; ++y)
        for (int x = 0; x < gw; ++x) {
            const size_t i = size_t(y) * gw + x;
            if (!an.breast[i]) continue;
            const double d = an.edge_px[i];                       // full-res px
            const double path_px = chord(rc_px, d);               // ray length through the breast
            const double skin_in_px = path_px - chord(rc_px - skin_px, d - skin_px);
            const double q = std::pow((x - ex) / ea, 2) + std::pow((y - ey) / eb, 2);
            const double env = std::exp(-q * q) * smoothstep(0, subcut_px, d);
            // Parenchyma runs in strands converging on the nipple: the texture is read in polar
            // coordinates around a focus beyond it, slowly along the radius (strands 2.5x longer
            // than wide), plus an isotropic part.
            const double ddx = x - focus_x, ddy = y - focus_y;
            const double t = 0.8 * field(tex, std::atan2(ddy, -ddx) * strand_r, std::hypot(ddx, ddy) * 0.4) +
                             0.45 * field(tex, x + 0.37 * gw, y);
            const double z = 1.6 * env + 0.55 * t - 1.9 + 2.4 * density;
            const double gland = 0.85 / (1 + std::exp(-z / 0.4));
            double mu = kMuFat + gland * (kMuGland - kMuFat) * (1 + 0.12 * t);
            // Ligaments: only where the band-pass field's neighbour texture is high (broken lines).
            mu += lig_mu * (1 - gland) * std::exp(-std::pow(field(lig, x, y) / lig_width, 2)) *
                  smoothstep(0.0, 1.0, t + 0.3) * smoothstep(0, subcut_px * 0.5, d);
            if (mlo) {
                double s = (x / pec_x + y / pec_y - 1) * std::min(pec_x, pec_y);  // signed, grid units
                double w = 1 / (1 + std::exp(s / 6));
                mu = mu * (1 - w) + kMuMuscle * (1 + 0.03 * t) * w;
                an.pectoral[i] = s < 0;
            }
            const double a = ((path_px - skin_in_px) * mu + skin_in_px * kMuSkin) * px_mm / 10;
            an.atten[i] = float(a);
        }

    // Vessels (from the chest wall towards the nipple) and ducts (from the nipple backwards).
    std::vector<float> tubes(n, 0.0f);
    TubeDrawer draw{gw, gh, an.breast, tubes, cell_mm / 10};
    out.vessels = rng.randint(3, 9);
    for (int v = 0; v < out.vessels; ++v) {
        double sx = rng.uniform(0, 0.1 * ax), sy = cy + rng.uniform(-0.8, 0.8) * by;
        double dir = std::atan2(nip_y - sy, nip_x - sx) + 0.5 * rng.normal();
        draw.walk(rng, sx, sy, dir, std::atan2(nip_y - sy, nip_x - sx), 0.01, ax * rng.uniform(0.4, 0.9),
                  rng.uniform(0.5, 1.3) / cell_mm, rng.uniform(0.45, 0.8), 0.015, 0);
    }
    out.ducts = rng.randint(4, 12);
    for (int v = 0; v < out.ducts; ++v) {
        double sx = nip_x - rng.uniform(5, 15) / cell_mm, sy = nip_y + rng.uniform(-4, 4) / cell_mm;
        double dir = M_PI + nip_theta + rng.uniform(-0.7, 0.7);
        draw.walk(rng, sx, sy, dir, dir, 0.02, ax * rng.uniform(0.15, 0.45), rng.uniform(0.25, 0.6) / cell_mm,
                  rng.uniform(0.3, 0.5), 0.03, 0);
    }
    // Skin folds: a second, fainter skin line parallel to the skin over part of the outline.
    out.skin_folds = rng.chance(0.35) ? rng.randint(1, 2) : 0;
    for (int f = 0; f < out.skin_folds; ++f) {
        double d0 = rng.uniform(20, 120), w = rng.uniform(3, 8), amp = rng.uniform(0.08, 0.25);
        double yc = rng.uniform(cy - by, cy + by), half = rng.uniform(0.1, 0.3) * by;
        for (int y = std::max(0, int(yc - half)); y < std::min(gh, int(yc + half)); ++y) {
            double win = std::sin(M_PI * (y - (yc - half)) / (2 * half));
            for (int x = 0; x < gw; ++x) {
                size_t i = size_t(y) * gw + x;
                if (an.breast[i] && std::abs(an.edge_px[i] - d0) < 3 * w)
                    tubes[i] = std::max(tubes[i], float(amp * win * std::exp(-std::pow((an.edge_px[i] - d0) / w, 2))));
            }
        }
    }
    float a_max = 0;
    for (size_t i = 0; i < n; ++i) {
        an.atten[i] += tubes[i];
        if (an.breast[i]) a_max = std::max(a_max, an.atten[i]);
    }
    an.a_max = a_max;
    return an;
}

}  // namespace mcseg
