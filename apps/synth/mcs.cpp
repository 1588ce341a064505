// apps/synth/mcs.cpp — microcalcifications: shapes, sizes, contrasts, clusters (stages.h).
//
// Sizes: clusters of 6-40 MCs spanning 90-195 px at 0.07 mm (segmented real clusters, DESIGN §6),
// scaled to the output spacing. A cluster draws its median MC area log-uniformly at
// 0.07 mm (2.5-22 px), each MC log-normally around it (down to 2.5 px at the output spacing); isolated MCs
// 2-150 px. These ranges put the annotated MCs of a set (after the visibility criterion, which
// drops the faintest small ones) around the real mammogram measured for issue 14: median 21 px
// at 0.05 mm (p10-p90 11-122). The earlier 11-160 px per-cluster medians (from DESIGN §6) gave a
// median of 78 px: too large.
// Shapes: round (slightly elliptic), irregular (radius with random harmonics), elongated
// (capsule, aspect 2-4) and branching (2-4 thick arms, the "casting" type). Each is an implicit
// function with a dome profile (thicker in the middle); it is rendered with 4x4 sub-samples per
// pixel, so a border pixel gets its covered fraction — the partial-volume effect — and then
// blurred by the detector's point spread (Gaussian, sigma 0.6 px). The mask is the pixels at
// least half covered (at least one pixel per MC). The peak contrast is a contrast-to-noise ratio
// (CNR) times the local noise sigma (quantum; on film also grain and scanner noise referred
// through the curve's slope), 2 to 25 for an MC 0.2 mm thick (a cluster's base 2.5-9, each MC
// within a factor ~1.4 of it; isolated 2.5-9), up to twice that for thicker ones: the real
// mammogram's MCs have a contrast of 3.9-8.8 times the pixel noise (p10-p90). The mask is what a radiologist would annotate, so
// every MC in it must be visible: after acquisition, drop_invisible_mcs measures each MC in the
// final pixels and removes from the mask those below the Rose criterion, with the noise measured
// at the MC's own size and shape (they stay in the image, unannotated, as faint MCs do in real
// mammograms).
// MCs never touch: each one's box, grown by 2 px, must be free, so a connected component of
// the mask is exactly one MC.
#include <algorithm>
#include <array>
#include <cmath>

#include "apps/imaging/robust_noise.h"
#include "apps/synth/stages.h"

namespace mcseg {
namespace {

enum class Shape { Round, Irregular, Elongated, Branching };
const char* shape_name(Shape s) {
    switch (s) {
        case Shape::Round: return "round";
        case Shape::Irregular: return "irregular";
        case Shape::Elongated: return "elongated";
        default: return "branching";
    }
}

struct Capsule {
    double x0, y0, x1, y1, r;
};

// One MC in local coordinates (pixels, relative to its centre).
struct McModel {
    Shape shape;
    double a = 1, b = 1, rot = 0;          // round: semi-axes; irregular: a = mean radius
    double harm_c[6] = {}, harm_p[6] = {};  // irregular
    std::vector<Capsule> arms;             // elongated (1 arm), branching (2-4 arms)
    double extent = 1;                     // radius of a circle holding the shape

    // Thickness of the calcium along the ray at the thickest point, in pixels: the shape's
    // smallest diameter (an MC is about as thick as it is wide).
    double thickness() const {
        switch (shape) {
            case Shape::Round: return 2 * std::min(a, b);
            case Shape::Irregular: return 2 * a;
            default: {
                double r = 0;
                for (const Capsule& c : arms) r = std::max(r, c.r);
                return 2 * r;
            }
        }
    }

    // Dome thickness in [0, 1] at (u, v); 0 outside.
    double dome(double u, double v) const {
        switch (shape) {
            case Shape::Round: {
                double c = std::cos(rot), s = std::sin(rot);
                double p = (c * u + s * v) / a, q = (-s * u + c * v) / b, t = p * p + q * q;
                return t < 1 ? std::sqrt(1 - t) : 0;
            }
            case Shape::Irregular: {
                double rho = std::hypot(u, v), phi = std::atan2(v, u), r = a;
                for (int k = 2; k < 6; ++k) r += a * harm_c[k] * std::cos(k * phi + harm_p[k]);
                double t = rho / std::max(0.3, r);
                return t < 1 ? std::sqrt(1 - t * t) : 0;
            }
            default: {
                double best = 0;
                for (const Capsule& c : arms) {
                    double dx = c.x1 - c.x0, dy = c.y1 - c.y0, l2 = std::max(1e-9, dx * dx + dy * dy);
                    double t = std::clamp(((u - c.x0) * dx + (v - c.y0) * dy) / l2, 0.0, 1.0);
                    double e = std::hypot(u - c.x0 - t * dx, v - c.y0 - t * dy) / c.r;
                    if (e < 1) best = std::max(best, std::sqrt(1 - e * e));
                }
                return best;
            }
        }
    }
};

McModel make_model(Rng& rng, double area, Shape shape) {
    McModel m;
    m.shape = shape;
    m.rot = rng.uniform(0, M_PI);
    switch (shape) {
        case Shape::Round: {
            double q = rng.uniform(1.0, 1.4);
            m.a = std::sqrt(area / M_PI * q);
            m.b = m.a / q;
            m.extent = m.a;
            break;
        }
        case Shape::Irregular: {
            m.a = std::sqrt(area / M_PI);
            for (int k = 2; k < 6; ++k) {
                m.harm_c[k] = rng.uniform(0.05, 0.22) / (k - 1) * 1.5;
                m.harm_p[k] = rng.uniform(0, 2 * M_PI);
            }
            m.extent = m.a * 1.6;
            break;
        }
        case Shape::Elongated: {
            double aspect = rng.uniform(2.2, 4.0);
            double r = std::sqrt(area / (4 * (aspect - 1) + M_PI)), l = (aspect - 1) * r;
            double c = std::cos(m.rot) * l, s = std::sin(m.rot) * l;
            m.arms.push_back({-c, -s, c, s, r});
            m.extent = l + r;
            break;
        }
        case Shape::Branching: {
            int k = rng.randint(2, 4);
            double ratio = rng.uniform(2.0, 3.5);
            double r = std::sqrt(area / (2 * k * ratio + M_PI)), l = ratio * r;
            // A chain with kinks (k = 2: a "V"/linear branch) or a hub with arms.
            bool hub = k > 2 && rng.chance(0.5);
            double x = 0, y = 0, dir = m.rot;
            for (int i = 0; i < k; ++i) {
                double len = l * rng.uniform(0.7, 1.3);
                double d = hub ? m.rot + i * 2 * M_PI / k + rng.uniform(-0.4, 0.4) : dir;
                double x0 = hub ? 0 : x, y0 = hub ? 0 : y;
                double x1 = x0 + len * std::cos(d), y1 = y0 + len * std::sin(d);
                m.arms.push_back({x0, y0, x1, y1, r * rng.uniform(0.8, 1.1)});
                x = x1;
                y = y1;
                dir += (rng.chance(0.5) ? 1 : -1) * rng.uniform(0.3, 0.9);
            }
            // Centre the shape on its arms' mean point.
            double mx = 0, my = 0;
            for (auto& c : m.arms) {
                mx += (c.x0 + c.x1) / 2;
                my += (c.y0 + c.y1) / 2;
            }
            mx /= k;
            my /= k;
            m.extent = 0;
            for (auto& c : m.arms) {
                c.x0 -= mx; c.x1 -= mx; c.y0 -= my; c.y1 -= my;
                m.extent = std::max({m.extent, std::hypot(c.x0, c.y0) + c.r, std::hypot(c.x1, c.y1) + c.r});
            }
            break;
        }
    }
    return m;
}

Shape draw_shape(Rng& rng, double area, const double mix[4]) {
    if (area < 12) return rng.chance(0.5) ? Shape::Round : Shape::Irregular;  // too small to show more
    double u = rng.uniform(), acc = 0;
    for (int s = 0; s < 4; ++s) {
        acc += mix[s];
        if (u < acc) return Shape(s);
    }
    return Shape::Round;
}

struct Scene {
    const Anatomy& an;
    const Detector& det;
    int W, H;
    std::vector<float>& a;
    std::vector<uint8_t>& mask;
    std::vector<std::array<int, 4>> boxes;  // occupied boxes, grown by 2 px
    SynthImage& out;

    bool box_free(int x0, int y0, int x1, int y1) const {
        for (const auto& b : boxes)
            if (x0 <= b[2] && b[0] <= x1 && y0 <= b[3] && b[1] <= y1) return false;
        return true;
    }

    // Renders model m at (cx, cy) if its box is free and it lies in the breast (not in the
    // pectoral muscle, at least `margin` px from the skin). Returns whether it was placed.
    bool render(const McModel& m, double cx, double cy, double cnr, int cluster, double margin) {
        const int pad = 3;
        int bx0 = int(std::floor(cx - m.extent)) - pad, bx1 = int(std::ceil(cx + m.extent)) + pad;
        int by0 = int(std::floor(cy - m.extent)) - pad, by1 = int(std::ceil(cy + m.extent)) + pad;
        if (bx0 < 0 || by0 < 0 || bx1 >= W || by1 >= H) return false;
        int icx = int(cx), icy = int(cy);
        if (!an.nearest(an.breast, icx, icy) || an.nearest(an.pectoral, icx, icy) ||
            an.sample(an.edge_px, cx, cy) < margin)
            return false;
        if (!box_free(bx0 - 2, by0 - 2, bx1 + 2, by1 + 2)) return false;
        const int bw = bx1 - bx0 + 1, bh = by1 - by0 + 1;
        std::vector<double> cover(size_t(bw) * bh, 0), dome(size_t(bw) * bh, 0);
        for (int y = 0; y < bh; ++y)
            for (int x = 0; x < bw; ++x) {
                double c = 0, t = 0;
                for (int sy = 0; sy < 4; ++sy)
                    for (int sx = 0; sx < 4; ++sx) {
                        double u = bx0 + x + (sx + 0.5) / 4 - cx, v = by0 + y + (sy + 0.5) / 4 - cy;
                        double d = m.dome(u, v);
                        c += d > 0;
                        t += d;
                    }
                cover[size_t(y) * bw + x] = c / 16;
                dome[size_t(y) * bw + x] = t / 16;
            }
        // The mask: pixels at least half covered; at least the best-covered one.
        size_t best = std::max_element(cover.begin(), cover.end()) - cover.begin();
        if (cover[best] == 0) return false;
        SynthMc mc;
        mc.id = int(out.mcs.size());
        mc.cluster = cluster;
        mc.shape = shape_name(m.shape);
        mc.x0 = W; mc.y0 = H; mc.x1 = -1; mc.y1 = -1;
        double sx = 0, sy = 0;
        for (int y = 0; y < bh; ++y)
            for (int x = 0; x < bw; ++x) {
                size_t i = size_t(y) * bw + x;
                if (cover[i] < 0.5 && i != best) continue;
                int gx = bx0 + x, gy = by0 + y;
                mask[size_t(gy) * W + gx] = 1;
                mc.area_px++;
                sx += gx;
                sy += gy;
                mc.x0 = std::min(mc.x0, gx); mc.x1 = std::max(mc.x1, gx);
                mc.y0 = std::min(mc.y0, gy); mc.y1 = std::max(mc.y1, gy);
            }
        mc.x = sx / mc.area_px;
        mc.y = sy / mc.area_px;
        // Blur the dome with the point spread (Gaussian sigma 0.6 px, 5 taps), then add it.
        const double k[5] = {0.0219, 0.2285, 0.4992, 0.2285, 0.0219};
        std::vector<double> tmp(dome.size(), 0), blur(dome.size(), 0);
        for (int y = 0; y < bh; ++y)
            for (int x = 0; x < bw; ++x)
                for (int t = -2; t <= 2; ++t)
                    if (x + t >= 0 && x + t < bw) tmp[size_t(y) * bw + x] += k[t + 2] * dome[size_t(y) * bw + x + t];
        for (int y = 0; y < bh; ++y)
            for (int x = 0; x < bw; ++x)
                for (int t = -2; t <= 2; ++t)
                    if (y + t >= 0 && y + t < bh) blur[size_t(y) * bw + x] += k[t + 2] * tmp[size_t(y + t) * bw + x];
        // Calcium attenuates in proportion to its thickness: the CNR drawn is that of an MC
        // 0.2 mm thick, and thicker ones are proportionally brighter (a coarse 1 mm MC is far
        // brighter than a 0.2 mm speck; with one contrast for all sizes, large MCs looked like
        // soft blobs of glandular tissue), but at most twice (the real mammogram's MCs keep within
        // 3.9-8.8 times the noise whatever their size). The peak is at most 1.5 (a very dense
        // MC): on film's flat toe and shoulder no contrast would do.
        const double thick_scale = std::clamp(m.thickness() * out.config.spacing_mm / 0.2, 1.0, 2.0);
        const double sigma = det.sigma_a(an.sample(an.atten, cx, cy)),
                     peak = std::min(1.5, cnr * thick_scale * sigma);
        mc.peak_attenuation = peak;
        mc.cnr = peak / sigma;
        for (int y = 0; y < bh; ++y)
            for (int x = 0; x < bw; ++x) a[size_t(by0 + y) * W + bx0 + x] += float(peak * blur[size_t(y) * bw + x]);
        boxes.push_back({bx0 - 2, by0 - 2, bx1 + 2, by1 + 2});
        out.mcs.push_back(mc);
        return true;
    }
};

// Counts cluster c's MCs in mcs and sets its box around their mask pixels.
void measure_cluster(SynthCluster& c, const std::vector<SynthMc>& mcs, int W, int H) {
    c.count = 0;
    c.x0 = W; c.y0 = H; c.x1 = -1; c.y1 = -1;
    for (const SynthMc& mc : mcs)
        if (mc.cluster == c.id) {
            ++c.count;
            c.x0 = std::min(c.x0, mc.x0); c.y0 = std::min(c.y0, mc.y0);
            c.x1 = std::max(c.x1, mc.x1); c.y1 = std::max(c.y1, mc.y1);
        }
}

}  // namespace

double Detector::sigma_a(double a) const {
    double counts = n0 * std::exp(-a);
    double quantum = std::sqrt(counts + electronic * electronic) / counts;
    if (!is_film) return quantum;
    // Film noise in A units; where the curve flattens (toe, shoulder) it grows without bound,
    // so the slope is floored at 5 % of its maximum (MCs there stay hard to see, as on film).
    const double max_slope = (film.dmax - film.dfog) * film.gamma / 4;
    // The digitiser's blur (sigma ~0.75 px) then cuts the white film noise to ~0.4 of it while
    // an MC of a few pixels keeps most of its peak; the factor keeps film MCs as visible as
    // digital ones of the same CNR rather than brighter.
    return std::hypot(quantum, 0.4 * film.sigma_od(a) / std::max(film.slope(a), 0.05 * max_slope));
}

namespace {

// A random point inside the breast, away from the skin by `margin` and not in the pectoral
// muscle; false after 200 misses.
bool breast_point(const Anatomy& an, Rng& rng, int W, int H, double margin, double& x, double& y) {
    for (int tries = 0; tries < 200; ++tries) {
        x = rng.uniform(0, W - 1);
        y = rng.uniform(0, H - 1);
        if (an.nearest(an.breast, int(x), int(y)) && !an.nearest(an.pectoral, int(x), int(y)) &&
            an.sample(an.edge_px, x, y) > margin)
            return true;
    }
    return false;
}

// One cluster of 6-40 MCs (lengths in px at the image's spacing: len_scale = 0.07 mm / spacing).
void place_cluster(Scene& scene, Rng& rng, double len_scale) {
    SynthImage& out = scene.out;
    const double area_scale = len_scale * len_scale;
    const int count = rng.randint(6, 40);
    // Span 90-195 px at 0.07 mm; larger clusters tend to spread more.
    const double span = len_scale * (90 + 105 * std::clamp(0.5 * rng.uniform() + 0.5 * (count - 6) / 34.0, 0.0, 1.0));
    const double ra = span / 2, rb = ra * rng.uniform(0.5, 1.0), rot = rng.uniform(0, M_PI);
    // Median area 2.5-22 px at 0.07 mm (see the file's header), limited so `count` MCs fit.
    double median = area_scale * rng.log_uniform(2.5, 22);
    median = std::min(median, 0.35 * M_PI * ra * rb / count / 2.5);
    const double cnr_base = rng.log_uniform(2.5, 9);
    double mix[4] = {rng.uniform(0.2, 0.6), rng.uniform(0.1, 0.4), rng.uniform(0.05, 0.25), rng.uniform(0.0, 0.3)};
    double msum = mix[0] + mix[1] + mix[2] + mix[3];
    for (double& v : mix) v /= msum;
    double cx, cy;
    if (!breast_point(scene.an, rng, scene.W, scene.H, ra + 40, cx, cy)) return;
    std::vector<std::pair<double, double>> sub(rng.randint(1, 4));
    for (auto& sc : sub) {
        double rr = 0.7 * std::sqrt(rng.uniform()), th = rng.uniform(0, 2 * M_PI);
        sc = {rr * std::cos(th), rr * std::sin(th)};
    }
    const int cluster_id = int(out.clusters.size());
    int placed = 0;
    for (int tries = 0; placed < count && tries < count * 40; ++tries) {
        double area = std::clamp(median * std::exp(0.6 * rng.normal()), 2.5, 1000.0);
        McModel m = make_model(rng, area, draw_shape(rng, area, mix));
        // Real clusters clump: most MCs gather around a few sub-centres, the rest spread
        // uniformly over the cluster's ellipse (unit-disc coordinates u, v).
        double u, v;
        if (rng.chance(0.6)) {
            const auto& sc = sub[rng.randint(0, int(sub.size()) - 1)];
            u = sc.first + 0.22 * rng.normal();
            v = sc.second + 0.22 * rng.normal();
            if (u * u + v * v > 1) continue;
        } else {
            double rr = std::sqrt(rng.uniform()), th = rng.uniform(0, 2 * M_PI);
            u = rr * std::cos(th);
            v = rr * std::sin(th);
        }
        double ex = ra * u, ey = rb * v;
        double x = cx + ex * std::cos(rot) - ey * std::sin(rot), y = cy + ex * std::sin(rot) + ey * std::cos(rot);
        double cnr = std::clamp(cnr_base * std::exp(0.35 * rng.normal()), 2.0, 25.0);
        placed += scene.render(m, x, y, cnr, cluster_id, 20);
    }
    if (placed < 6) {  // too crowded to place a cluster here: what was placed stays isolated
        for (auto& mc : out.mcs)
            if (mc.cluster == cluster_id) mc.cluster = -1;
        return;
    }
    SynthCluster cl;
    cl.id = cluster_id;
    measure_cluster(cl, out.mcs, scene.W, scene.H);
    out.clusters.push_back(cl);
}

// Up to `isolated` MCs anywhere in the breast: tiny to coarse.
void place_isolated(Scene& scene, Rng& rng, double len_scale, int isolated) {
    const double area_scale = len_scale * len_scale;
    for (int k = 0, placed = 0; placed < isolated && k < isolated * 20; ++k) {
        double area = area_scale * rng.log_uniform(2, 150);
        double mix[4] = {0.45, 0.35, 0.15, 0.05};
        McModel m = make_model(rng, area, draw_shape(rng, area, mix));
        double x, y;
        if (!breast_point(scene.an, rng, scene.W, scene.H, 40, x, y)) break;
        placed += scene.render(m, x, y, rng.log_uniform(2.5, 9), -1, 20);
    }
}

}  // namespace

void place_mcs(const Anatomy& an, const Detector& det, Rng& rng, std::vector<float>& a, std::vector<uint8_t>& mask,
               SynthImage& out) {
    const SynthConfig& cfg = out.config;
    // Real figures were measured at 0.07 mm per pixel: lengths scale with the ratio, areas with its square.
    const double len_scale = 0.07 / cfg.spacing_mm;
    Scene scene{an, det, cfg.width, cfg.height, a, mask, {}, out};
    if (rng.chance(0.15)) return;  // an image with no MC at all
    const double pick = rng.uniform();
    const int n_clusters = pick < 0.15 ? 0 : pick < 0.65 ? 1 : pick < 0.9 ? 2 : 3;
    for (int c = 0; c < n_clusters; ++c) place_cluster(scene, rng, len_scale);
    place_isolated(scene, rng, len_scale, rng.randint(n_clusters == 0 ? 1 : 0, 8));
}

// An MC is annotated when it is seen: Rose's criterion, its contrast at least 5 times the noise
// of that contrast. Rose's own form, C sqrt(n) / sigma, assumes white noise, whose mean over n
// pixels shrinks as 1/sqrt(n); mammographic tissue is not white (its power grows towards low
// frequencies), so a large faint MC meets that form and still vanishes into the texture. The
// contrast is what a centre-surround receptive field shaped like the MC sees: the mean over the
// MC's pixels minus the mean over a ring 2 to 4 px outside them, within their box grown by 3 px
// (1 px is skipped: the blur's halo), so tissue smoother than the ring cancels, as it does for the eye. Its noise is measured,
// not assumed: the same field at up to 24 MC-free places around the MC, and the robust spread
// (1.4826 x the median absolute deviation) of what it sees there.
namespace {

using Offsets = std::vector<std::array<int, 2>>;  // pixel offsets from an MC's box origin

// The ring of a shape (its pixels, within a bw x bh box): the offsets in the box grown by 3 px
// at Chebyshev distance 2 to 4 from the shape, found by growing the shape one pixel at a time.
Offsets surround(const Offsets& shape, int bw, int bh) {
    const int gw = bw + 6, gh = bh + 6;  // the box grown by 3
    std::vector<int> d(size_t(gw) * gh, -1);
    for (const auto& [dx, dy] : shape) d[size_t(dy + 3) * gw + dx + 3] = 0;
    for (int k = 1; k <= 4; ++k)
        for (int y = 0; y < gh; ++y)
            for (int x = 0; x < gw; ++x) {
                if (d[size_t(y) * gw + x] >= 0) continue;
                for (int v = std::max(0, y - 1); v <= std::min(gh - 1, y + 1); ++v)
                    for (int u = std::max(0, x - 1); u <= std::min(gw - 1, x + 1); ++u)
                        if (d[size_t(v) * gw + u] == k - 1) d[size_t(y) * gw + x] = k;
            }
    Offsets ring;
    for (int y = 0; y < gh; ++y)
        for (int x = 0; x < gw; ++x)
            if (d[size_t(y) * gw + x] >= 2) ring.push_back({x - 3, y - 3});
    return ring;
}

// The field's response with the MC's box placed at (x0, y0): mean over `shape` minus mean over
// `ring`, leaving out ring pixels of an annotated MC (a neighbour in a cluster). NaN when the
// ring leaves the image or fewer than half of it remain.
double centre_surround(const SynthImage& out, const Offsets& shape, const Offsets& ring, int x0, int y0) {
    const int W = out.config.width, H = out.config.height;
    double sum = 0;
    size_t n = 0;
    for (const auto& [dx, dy] : ring) {
        const int x = x0 + dx, y = y0 + dy;
        if (x < 0 || y < 0 || x >= W || y >= H) return NAN;
        if (out.mask[size_t(y) * W + x]) continue;
        sum += out.pixels[size_t(y) * W + x];
        ++n;
    }
    if (2 * n < ring.size()) return NAN;
    double in = 0;
    for (const auto& [dx, dy] : shape) in += out.pixels[size_t(y0 + dy) * W + x0 + dx];
    return in / double(shape.size()) - sum / double(n);
}

}  // namespace

int drop_invisible_mcs(SynthImage& out) {
    const int W = out.config.width, H = out.config.height;
    std::vector<SynthMc> kept, dropped;  // every MC is measured before any leaves the mask
    for (const SynthMc& mc : out.mcs) {
        // The MC's shape: its mask pixels (its box holds no other MC's).
        const int bw = mc.x1 - mc.x0 + 1, bh = mc.y1 - mc.y0 + 1;
        Offsets shape;
        for (int y = mc.y0; y <= mc.y1; ++y)
            for (int x = mc.x0; x <= mc.x1; ++x)
                if (out.mask[size_t(y) * W + x]) shape.push_back({x - mc.x0, y - mc.y0});
        const Offsets ring = surround(shape, bw, bh);
        const double contrast = centre_surround(out, shape, ring, mc.x0, mc.y0);
        // The background: up to 24 places, nearest first, on rings of 8 one field (the box grown by
        // 3) and 3 px apart, skipping places whose field comes within 3 px of any MC's box (inside
        // a cluster its other MCs would pass for noise).
        auto clear_of_mcs = [&](int x0, int y0) {
            for (const SynthMc& o : out.mcs)
                if (x0 - 6 <= o.x1 && o.x0 <= x0 + bw + 5 && y0 - 6 <= o.y1 && o.y0 <= y0 + bh + 5) return false;
            return true;
        };
        std::vector<double> bg;
        for (int r = 1; r <= 8 && bg.size() < 24; ++r)
            for (int uy = -1; uy <= 1; ++uy)
                for (int ux = -1; ux <= 1; ++ux) {
                    const int x0 = mc.x0 + r * ux * (bw + 9), y0 = mc.y0 + r * uy * (bh + 9);
                    if ((ux == 0 && uy == 0) || bg.size() == 24 || !clear_of_mcs(x0, y0)) continue;
                    const double c = centre_surround(out, shape, ring, x0, y0);
                    if (!std::isnan(c)) bg.push_back(c);
                }
        // Too few places to measure the noise (an MC at the image's edge): not claimed visible.
        // The noise never falls below the grey levels' own quantisation noise, 1/sqrt(12).
        const double sigma = bg.size() >= 6 ? std::max(mad_sigma(std::move(bg)), 1 / std::sqrt(12.0)) : 0;
        SynthMc k = mc;
        k.snr = sigma > 0 && !std::isnan(contrast) ? contrast / sigma : 0;
        (k.snr >= 5 ? kept : dropped).push_back(k);
    }
    for (const SynthMc& mc : dropped)
        for (int y = mc.y0; y <= mc.y1; ++y)
            for (int x = mc.x0; x <= mc.x1; ++x) out.mask[size_t(y) * W + x] = 0;
    out.unannotated_mcs += int(dropped.size());
    // Renumber the MCs; clusters keep their MCs that remain, and dissolve below 6.
    std::vector<SynthCluster> clusters;
    for (SynthCluster c : out.clusters) {
        measure_cluster(c, kept, W, H);
        const int new_id = c.count >= 6 ? int(clusters.size()) : -1;
        for (SynthMc& mc : kept)
            if (mc.cluster == c.id) mc.cluster = new_id;
        if (new_id >= 0) {
            c.id = new_id;
            clusters.push_back(c);
        }
    }
    for (size_t i = 0; i < kept.size(); ++i) kept[i].id = int(i);
    out.mcs = std::move(kept);
    out.clusters = std::move(clusters);
    return int(dropped.size());
}

}  // namespace mcseg
