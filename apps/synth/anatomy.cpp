// apps/synth/anatomy.cpp — the breast on a half-resolution grid: outline, thickness, skin,
// parenchyma, ligaments, vessels, ducts, pectoral muscle and skin folds (see stages.h).
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
// behind the nipple away from the skin, the texture is a 1/f^beta Gaussian field (beta 2.6-3.2), and the global
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

namespace {

// The breast's outline (grid units): an ellipse around the chest-wall point (0, cy) with low
// harmonics and a nipple bump.
struct Outline {
    bool mlo = false;
    double cy = 0, ax = 0, by = 0, nip_theta = 0;
    double harm_c[7] = {}, harm_p[7] = {};
    double radius(double th) const {
        double c = std::cos(th), s = std::sin(th);
        double r = ax * by / std::sqrt(by * by * c * c + ax * ax * s * s);
        double f = 1;
        for (int k = 2; k <= 6; ++k) f += harm_c[k] * std::cos(k * th + harm_p[k]);
        f += 0.03 * std::exp(-std::pow((th - nip_theta) / 0.05, 2));
        return r * f;
    }
    double nip_x() const { return radius(nip_theta) * std::cos(nip_theta); }
    double nip_y() const { return cy + radius(nip_theta) * std::sin(nip_theta); }
};

Outline draw_outline(Rng& rng, int gw, int gh) {
    Outline o;
    o.mlo = rng.chance(0.5);
    o.cy = gh * (o.mlo ? rng.uniform(0.40, 0.50) : rng.uniform(0.46, 0.54));
    o.ax = gw * rng.uniform(0.62, 0.88);
    o.by = gh * (o.mlo ? rng.uniform(0.50, 0.60) : rng.uniform(0.36, 0.46));
    for (int k = 2; k <= 6; ++k) {
        o.harm_c[k] = 0.015 * rng.normal();
        o.harm_p[k] = rng.uniform(0, 2 * M_PI);
    }
    o.nip_theta = (o.mlo ? 0.12 : 0.0) + 0.08 * rng.normal();
    return o;
}

// The breast mask and the distance to the skin: to the nearest air cell (the image border is
// not skin), in full-resolution pixels.
void fill_breast(const Outline& o, Anatomy& an) {
    const int gw = an.gw, gh = an.gh;
    const size_t n = size_t(gw) * gh;
    an.breast.assign(n, 0);
    for (int y = 0; y < gh; ++y)
        for (int x = 0; x < gw; ++x) {
            double dx = x + 0.5, dy = y + 0.5 - o.cy;
            an.breast[size_t(y) * gw + x] = std::hypot(dx, dy) < o.radius(std::atan2(dy, dx));
        }
    std::vector<uint8_t> air(n);
    for (size_t i = 0; i < n; ++i) air[i] = !an.breast[i];
    an.edge_px = squared_distance_transform(air, gw, gh);
    for (auto& d : an.edge_px) d = d >= kNoFeature ? 1e9f : 2.0f * std::sqrt(d);
}

// Chord of a circle of radius rc at `depth` inside it.
double chord(double rc, double depth) {
    depth = std::clamp(depth, 0.0, rc);
    return 2 * std::sqrt(std::max(0.0, rc * rc - (rc - depth) * (rc - depth)));
}

int pow2_at_least(int n) {
    int p = 1;
    while (p < n) p *= 2;
    return p;
}

// The two texture fields on a quarter-resolution grid (0.2 mm cells): the 1/f^3 parenchyma
// texture and the band-pass field whose zero lines are the ligaments.
struct Texture {
    int fw = 0, fh = 0;
    std::vector<float> tex, lig;
    // Bilinear, periodic sample at grid position (x, y) (the fields are periodic on their
    // power-of-two grid, so warped coordinates may wrap around without seams).
    double at(const std::vector<float>& m, double x, double y) const {
        double fx = x * 0.5, fy = y * 0.5;
        fx -= fw * std::floor(fx / fw);
        fy -= fh * std::floor(fy / fh);
        int x0 = std::min(int(fx), fw - 1), y0 = std::min(int(fy), fh - 1);
        int x1 = (x0 + 1) % fw, y1 = (y0 + 1) % fh;
        double ux = fx - x0, uy = fy - y0;
        return (m[size_t(y0) * fw + x0] * (1 - ux) + m[size_t(y0) * fw + x1] * ux) * (1 - uy) +
               (m[size_t(y1) * fw + x0] * (1 - ux) + m[size_t(y1) * fw + x1] * ux) * uy;
    }
};

Texture make_texture(Rng& rng, uint64_t key, int gw, int gh, double cell_mm) {
    Texture t;
    t.fw = pow2_at_least((gw + 1) / 2);
    t.fh = pow2_at_least((gh + 1) / 2);
    const double fcell_mm = 2 * cell_mm;
    const double lobule_mm = rng.uniform(6, 12);
    // The parenchyma's power-law exponent: 2.6-3.2 (Burgess et al. 2001 measured 2.7-3.2 on
    // mammograms; the real image measured here has 2.7-3.1 between 0.15 and 1 cycles/mm).
    const double beta = rng.uniform(2.6, 3.2);
    gaussian_fields(
        t.fw, t.fh, key,
        [&](double f) { return std::pow(std::max(f / fcell_mm, 1.0 / 60.0), -beta / 2); },
        [&](double f) { return std::exp(-std::pow(std::log(f / fcell_mm * lobule_mm), 2) / (2 * 0.3 * 0.3)); },
        t.tex, t.lig);
    return t;
}

// Everything the tissue of one breast is made of, drawn in this order.
struct Tissue {
    double thickness_cm, rc_px, skin_px;  // slab thickness, edge rounding radius, skin shell
    Texture texture;
    double density;                       // global fibroglandular level 0..1
    double ex, ey, ea, eb, subcut_px;     // fibroglandular envelope, subcutaneous fat layer
    double lig_width, lig_mu;             // ligaments
    double pec_x, pec_y;                  // pectoral muscle line (MLO)
};

Tissue draw_tissue(Rng& rng, uint64_t key, const Outline& o, const Anatomy& an, double px_mm) {
    Tissue t;
    t.thickness_cm = rng.uniform(3.5, 6.5);
    t.rc_px = t.thickness_cm * 10 / 2 / px_mm;
    t.skin_px = rng.uniform(1.0, 2.0) / px_mm;
    t.texture = make_texture(rng, key, an.gw, an.gh, 2 * px_mm);
    t.density = rng.uniform(0.05, 0.95);
    t.ex = o.ax * rng.uniform(0.30, 0.50);
    t.ey = o.cy + 0.05 * o.by * rng.normal();
    t.ea = o.ax * rng.uniform(0.40, 0.60);
    t.eb = o.by * rng.uniform(0.45, 0.70);
    t.subcut_px = rng.uniform(4, 10) / px_mm;
    t.lig_width = rng.uniform(0.04, 0.07);
    t.lig_mu = rng.uniform(0.04, 0.12);
    t.pec_y = an.gh * rng.uniform(0.30, 0.55);
    t.pec_x = an.gw * rng.uniform(0.20, 0.40);
    return t;
}

// Attenuation of every breast cell: fat and glandular tissue, ligaments, the pectoral muscle,
// the skin, along the ray through the rounded slab.
void fill_tissue(const Outline& o, const Tissue& t, double px_mm, Anatomy& an) {
    const int gw = an.gw, gh = an.gh;
    an.pectoral.assign(size_t(gw) * gh, 0);
    an.atten.assign(size_t(gw) * gh, 0.0f);
    const double strand_r = 0.5 * o.ax;  // radius where the polar texture is isotropic
    // The strands' focus lies a little outside the nipple, so they do not meet in one point.
    const double focus_x = o.nip_x() + 0.12 * o.ax * std::cos(o.nip_theta);
    const double focus_y = o.nip_y() + 0.12 * o.ax * std::sin(o.nip_theta);
    const Texture& f = t.texture;
    for (int y = 0; y < gh; ++y)
        for (int x = 0; x < gw; ++x) {
            const size_t i = size_t(y) * gw + x;
            if (!an.breast[i]) continue;
            const double d = an.edge_px[i];                       // full-res px
            const double path_px = chord(t.rc_px, d);             // ray length through the breast
            const double skin_in_px = path_px - chord(t.rc_px - t.skin_px, d - t.skin_px);
            const double q = std::pow((x - t.ex) / t.ea, 2) + std::pow((y - t.ey) / t.eb, 2);
            const double env = std::exp(-q * q) * smoothstep(0, t.subcut_px, d);
            // Parenchyma runs in strands converging on the nipple: the texture is read in polar
            // coordinates around a focus beyond it, slowly along the radius (strands 2.5x longer
            // than wide), plus an isotropic part.
            const double ddx = x - focus_x, ddy = y - focus_y;
            const double tx = 0.8 * f.at(f.tex, std::atan2(ddy, -ddx) * strand_r, std::hypot(ddx, ddy) * 0.4) +
                              0.45 * f.at(f.tex, x + 0.37 * gw, y);
            const double z = 1.6 * env + 0.55 * tx - 1.9 + 2.4 * t.density;
            const double gland = 0.85 / (1 + std::exp(-z / 0.4));
            double mu = kMuFat + gland * (kMuGland - kMuFat) * (1 + 0.12 * tx);
            // Ligaments: only where the band-pass field's neighbour texture is high (broken lines).
            mu += t.lig_mu * (1 - gland) * std::exp(-std::pow(f.at(f.lig, x, y) / t.lig_width, 2)) *
                  smoothstep(0.0, 1.0, tx + 0.3) * smoothstep(0, t.subcut_px * 0.5, d);
            if (o.mlo) {
                double s = (x / t.pec_x + y / t.pec_y - 1) * std::min(t.pec_x, t.pec_y);  // signed, grid units
                double w = 1 / (1 + std::exp(s / 6));
                mu = mu * (1 - w) + kMuMuscle * (1 + 0.03 * tx) * w;
                an.pectoral[i] = s < 0;
            }
            const double a = ((path_px - skin_in_px) * mu + skin_in_px * kMuSkin) * px_mm / 10;
            an.atten[i] = float(a);
        }
}

// Vessels (from the chest wall towards the nipple) and ducts (from the nipple backwards).
void add_vessels_and_ducts(Rng& rng, const Outline& o, double cell_mm, const Anatomy& an, std::vector<float>& tubes,
                           SynthImage& out) {
    const double ax = o.ax, by = o.by, cy = o.cy, nip_x = o.nip_x(), nip_y = o.nip_y(), nip_theta = o.nip_theta;
    TubeDrawer draw{an.gw, an.gh, an.breast, tubes, cell_mm / 10};
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
}

// Skin folds: a second, fainter skin line parallel to the skin over part of the outline.
void add_skin_folds(Rng& rng, const Outline& o, const Anatomy& an, std::vector<float>& tubes, SynthImage& out) {
    const int gw = an.gw, gh = an.gh;
    const double cy = o.cy, by = o.by;
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
}

}  // namespace

Anatomy make_anatomy(const SynthConfig& cfg, uint64_t key, Rng& rng, SynthImage& out) {
    Anatomy an;
    an.gw = (cfg.width + 1) / 2;
    an.gh = (cfg.height + 1) / 2;
    const double px_mm = cfg.spacing_mm, cell_mm = 2 * px_mm;
    const Outline outline = draw_outline(rng, an.gw, an.gh);
    out.view = outline.mlo ? "MLO" : "CC";
    fill_breast(outline, an);
    const Tissue tissue = draw_tissue(rng, key, outline, an, px_mm);
    out.thickness_cm = tissue.thickness_cm;
    out.density = tissue.density;
    fill_tissue(outline, tissue, px_mm, an);
    std::vector<float> tubes(an.atten.size(), 0.0f);
    add_vessels_and_ducts(rng, outline, cell_mm, an, tubes, out);
    add_skin_folds(rng, outline, an, tubes, out);
    float a_max = 0;
    for (size_t i = 0; i < tubes.size(); ++i) {
        an.atten[i] += tubes[i];
        if (an.breast[i]) a_max = std::max(a_max, an.atten[i]);
    }
    an.a_max = a_max;
    return an;
}

}  // namespace mcseg
