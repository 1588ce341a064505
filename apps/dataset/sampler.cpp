// apps/dataset/sampler.cpp — see sampler.h.
#include "apps/dataset/sampler.h"

#include <algorithm>
#include <numeric>

#include <sys/mman.h>

#include "apps/imaging/blur.h"
#include "apps/imaging/otsu.h"
#include "apps/imaging/robust_noise.h"
#include "apps/io/image_folder.h"
#include "engine/random.h"
#include "engine/error.h"

namespace mcseg {
namespace {

// Uniform integer in [0, n) from 32 random bits (multiply-shift; n < 2^32).
inline uint32_t below(uint32_t bits, size_t n) { return uint32_t((uint64_t(bits) * n) >> 32); }

// A copy of the pixels in a buffer backed by transparent huge pages where the kernel allows:
// a patch reads N rows of an image, each on another 4 KiB page, and with ~10 GB of training
// images nearly every row read was a TLB miss (75k patches/s); 2 MiB pages remove most.
std::unique_ptr<uint16_t[]> huge_page_copy(const std::vector<uint16_t>& px) {
    std::unique_ptr<uint16_t[]> buf(new uint16_t[px.size()]);  // untouched until the copy
    const uintptr_t huge = 2u << 20, begin = reinterpret_cast<uintptr_t>(buf.get());
    const uintptr_t a = (begin + huge - 1) & ~(huge - 1), e = (begin + px.size() * 2) & ~(huge - 1);
    if (e > a) madvise(reinterpret_cast<void*>(a), e - a, MADV_HUGEPAGE);  // advice only: failure is harmless
    std::copy(px.begin(), px.end(), buf.get());
    return buf;
}

}  // namespace

Task parse_task(const std::string& s) {
    if (s == "detector") return Task::Detector;
    if (s == "segmentator") return Task::Segmentator;
    fail("unknown task '", s, "' (expected detector or segmentator)");
}

bool is_positive(Task t, int cls) { return t == Task::Detector ? cls >= 1 && cls <= 3 : cls == 1; }

PatchSet::PatchSet(const std::string& db_path, const std::string& split, InputNorm input, const std::string& hard_task)
    : split_(split) {
    if (split != "train" && split != "val" && split != "test" && split != "all")
        fail("unknown split '", split, "' (expected train, val, test or all)");
    {
        PatchDbReader db(db_path);
        patch_ = db.patch();
        images_ = db.images(split);
        patches_ = db.patches(split);
        if (!hard_task.empty()) {
            const PerClass<std::vector<DbPatch>> hard = db.hard_examples(split, hard_task);
            for (int cls = kC2; cls <= kC4; ++cls)
                for (const DbPatch& p : hard[cls]) hard_.push_back({uint8_t(cls), p});
            hard_positives_ = hard[kC1];
        }
    }
    if (images_.empty()) fail("patch database '", db_path, "' has no images in split '", split, "'");
    pixels_.resize(images_.size());
    FirstError error;
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t i = 0; i < images_.size(); ++i) {
        try {
            const DbImage& d = images_[i];
            GrayImage img = read_image_checked(d.image_path, d.image_crc32);
            if (img.width != d.width || img.height != d.height)
                fail("image '", d.image_path, "' is ", img.width, "x", img.height, ", the database says ", d.width, "x",
                     d.height);
            if (input == InputNorm::LocalNoise) {
                pixels_[i] = huge_page_copy(local_noise_codes(img, breast_mask(img), d.spacing_mm));
                images_[i].norm = kLocalNoiseCode;
            } else {
                pixels_[i] = huge_page_copy(img.pixels);
            }
        } catch (...) {
            error.record(long(i));
        }
    }
    error.rethrow();
    const int r = patch_ / 2;
    auto check = [&](const DbPatch& p) {
        const DbImage& d = images_[p.image];
        if (p.x < r || p.y < r || p.x + r >= d.width || p.y + r >= d.height)
            fail("patch database '", db_path, "': patch (", p.x, ", ", p.y, ") of '", d.name, "' lies outside the image");
    };
    for (const auto& list : patches_)
        for (const DbPatch& p : list) check(p);
    for (const auto& [cls, p] : hard_) check(p);
    for (const DbPatch& p : hard_positives_) check(p);
}

// Output (i, j), both in -h..h, reads the source at centre + i*a + j*b, with a and b the unit
// steps (dx, dy) of the rotation (and mirror).
constexpr int kA[4][2] = {{0, 1}, {-1, 0}, {0, -1}, {1, 0}};
constexpr int kB[4][2] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};

void PatchSet::extract(const DbPatch& p, int rot, bool mirror, float* out, double zoom) const {
    const DbImage& d = images_[p.image];
    const uint16_t* px = pixels_[p.image].get();
    const int ax = kA[rot & 3][0], ay = kA[rot & 3][1];
    const int bx = mirror ? -kB[rot & 3][0] : kB[rot & 3][0], by = mirror ? -kB[rot & 3][1] : kB[rot & 3][1];
    const int n = patch_, h = n / 2;
    if (zoom == 1.0) {
        const long W = d.width, a = long(ay) * W + ax, b = long(by) * W + bx;
        const uint16_t* centre = px + size_t(p.y) * d.width + p.x;
        for (int r = 0; r < n; ++r) {
            const uint16_t* row = centre + (r - h) * a - h * b;
            float* o = out + size_t(r) * n;
            if (b == 1)
                for (int c = 0; c < n; ++c) o[c] = d.norm.apply(row[c]);
            else
                for (int c = 0; c < n; ++c) o[c] = d.norm.apply(row[c * b]);
        }
        return;
    }
    auto at = [&](int x, int y) {
        return float(px[size_t(std::clamp(y, 0, d.height - 1)) * d.width + std::clamp(x, 0, d.width - 1)]);
    };
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < n; ++c) {
            const double u = zoom * (r - h), v = zoom * (c - h);
            const double x = p.x + u * ax + v * bx, y = p.y + u * ay + v * by;
            const int x0 = int(std::floor(x)), y0 = int(std::floor(y));
            const float fx = float(x - x0), fy = float(y - y0);
            const float s = (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) +
                            (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
            out[size_t(r) * n + c] = d.norm.apply(s);
        }
}

Sampler::Sampler(const PatchSet& set, const SamplerConfig& cfg) : set_(set), cfg_(cfg) {
    if (cfg.batch < 2 || cfg.batch % 2) fail("batch size must be even and >= 2, got ", cfg.batch);
    for (double q : cfg.quota)
        if (!(q >= 0)) fail("class quotas must be >= 0");
    if (!(cfg.hard_share >= 0 && cfg.hard_share < 1)) fail("the hard-negative share must be in [0, 1), got ", cfg.hard_share);
    if (!(cfg.hard_positive_share >= 0 && cfg.hard_positive_share < 1))
        fail("the hard-positive share must be in [0, 1), got ", cfg.hard_positive_share);
    if (cfg.hard_share > 0 && set.hard().empty())
        fail("split '", set.split(), "' has no hard negatives for this task (run mcseg mine first)");
    if (cfg.hard_positive_share > 0 && set.hard_positives().empty())
        fail("split '", set.split(), "' has no hard positives for this task (run mcseg mine first)");
    hard_per_batch_ = int(std::lround(cfg.hard_share * (cfg.batch / 2)));
    hard_positives_per_batch_ = int(std::lround(cfg.hard_positive_share * (cfg.batch / 2)));
    for (int side = 0; side < 2; ++side) {  // 0: positives, 1: negatives
        const bool pos = side == 0;
        std::vector<int> classes;
        double total = 0;
        for (int c = 1; c <= 4; ++c)
            if (is_positive(cfg.task, c) == pos && set.count(c) > 0 && cfg.quota[c] > 0) {
                classes.push_back(c);
                total += cfg.quota[c];
            }
        const char* task = cfg.task == Task::Detector ? "Detector" : "Segmentator";
        if (classes.empty())
            fail("split '", set.split(), "' has no ", pos ? "positive" : "negative", " patches for the ", task,
                 " (with the given quotas)");
        // Largest-remainder apportionment of batch/2 (less the hard examples) over the side's classes.
        const int n = cfg.batch / 2 - (pos ? hard_positives_per_batch_ : hard_per_batch_);
        std::vector<std::pair<double, int>> rest;
        int given = 0;
        for (int c : classes) {
            double share = n * cfg.quota[c] / total;
            per_class_[c] = int(share);
            given += per_class_[c];
            rest.push_back({share - int(share), c});
        }
        std::stable_sort(rest.begin(), rest.end(), [](auto& x, auto& y) { return x.first > y.first; });
        for (int k = 0; given < n; ++k, ++given) per_class_[rest[k % rest.size()].second]++;
    }
}

namespace {

constexpr uint8_t kHardSlot = 0xFF, kHardPositiveSlot = 0xFE;  // batch slots that take hard examples

// Second-difference noise of a patch (Immerkaer's kernel / 6, robust): the scale of its own
// pixel noise, whatever the normalisation.
float patch_noise(const float* x, int n) {
    std::vector<float> r;
    r.reserve(size_t(n - 2) * (n - 2));
    for (int y = 1; y + 1 < n; ++y)
        for (int c = 1; c + 1 < n; ++c) {
            auto v = [&](int dy, int dx) { return x[size_t(y + dy) * n + c + dx]; };
            r.push_back((v(-1, -1) + v(-1, 1) + v(1, -1) + v(1, 1) - 2 * (v(-1, 0) + v(1, 0) + v(0, -1) + v(0, 1)) +
                         4 * v(0, 0)) / 6);
        }
    return mad_sigma(std::move(r));
}

// The intensity half of the augmentation (SamplerConfig::intensity_augment) on one patch.
void intensity_augment(float* x, int n, Rng& rng) {
    const size_t nn = size_t(n) * n;
    if (rng.chance(0.5)) {  // blur, separable Gaussian, edges repeated
        std::vector<float> img(x, x + nn);
        gaussian_blur(img, n, n, rng.uniform(0.3, 1.0));
        std::copy(img.begin(), img.end(), x);
    }
    if (rng.chance(0.5)) {  // contrast about the patch mean
        double mean = 0;
        for (size_t i = 0; i < nn; ++i) mean += x[i];
        mean /= double(nn);
        const float k = float(rng.log_uniform(0.75, 1.33));
        for (size_t i = 0; i < nn; ++i) x[i] = float(mean + k * (x[i] - mean));
    }
    if (rng.chance(0.5)) {  // more noise
        const float s = float(rng.uniform(0.2, 0.6)) * patch_noise(x, n);
        for (size_t i = 0; i < nn; ++i) x[i] += s * float(rng.normal());
    }
}

}  // namespace

void Sampler::next(Batch& b) {
    const int n = set_.patch(), B = cfg_.batch;
    b.size = B;
    b.patch = n;
    b.x.resize(size_t(B) * n * n);
    b.y.resize(B);
    b.cls.resize(B);
    where_.resize(B);
    Rng rng(derive_key(cfg_.seed, streams::kSamplerIndex), step_);
    int k = 0;
    for (int c = 1; c <= 4; ++c)
        for (int j = 0; j < per_class_[c]; ++j) b.cls[k++] = uint8_t(c);
    for (int j = 0; j < hard_per_batch_; ++j) b.cls[k++] = kHardSlot;
    for (int j = 0; j < hard_positives_per_batch_; ++j) b.cls[k++] = kHardPositiveSlot;
    for (int i = B - 1; i > 0; --i) std::swap(b.cls[i], b.cls[below(rng.next_u32(), size_t(i) + 1)]);
    for (int i = 0; i < B; ++i) {
        if (b.cls[i] == kHardSlot) {
            const auto& [cls, p] = set_.hard()[below(rng.next_u32(), set_.hard().size())];
            b.cls[i] = cls;
            where_[i] = p;
        } else if (b.cls[i] == kHardPositiveSlot) {
            b.cls[i] = kC1;
            where_[i] = set_.hard_positives()[below(rng.next_u32(), set_.hard_positives().size())];
        } else {
            where_[i] = set_.at(b.cls[i], below(rng.next_u32(), set_.count(b.cls[i])));
        }
        const uint32_t aug = rng.next_u32();
        float* x = &b.x[size_t(i) * n * n];
        const double zoom = cfg_.intensity_augment && rng.chance(0.5) ? rng.log_uniform(0.8, 1.25) : 1.0;
        set_.extract(where_[i], cfg_.augment ? int(aug & 3) : 0, cfg_.augment && (aug & 4), x, zoom);
        if (cfg_.intensity_augment) intensity_augment(x, n, rng);
        b.y[i] = is_positive(cfg_.task, b.cls[i]) ? 1.0f : 0.0f;
    }
    ++step_;
}

EvalSet::EvalSet(const PatchSet& set, Task task, size_t per_class, uint64_t seed) : set_(set), task_(task) {
    for (int c = 1; c <= 4; ++c) {
        const size_t avail = set.count(c), take = std::min(per_class, avail);
        std::vector<uint32_t> idx(avail);
        std::iota(idx.begin(), idx.end(), 0u);
        Rng rng(derive_key(seed, streams::kEvalSetIndex), uint64_t(c));
        for (size_t i = 0; i < take; ++i) std::swap(idx[i], idx[i + below(rng.next_u32(), avail - i)]);
        std::sort(idx.begin(), idx.begin() + take);
        for (size_t i = 0; i < take; ++i) items_.push_back({uint8_t(c), idx[i]});
    }
}

void EvalSet::batch(size_t begin, size_t count, Batch& b) const {
    const int n = set_.patch();
    begin = std::min(begin, items_.size());
    count = std::min(count, items_.size() - begin);
    b.size = int(count);
    b.patch = n;
    b.x.resize(count * n * n);
    b.y.resize(count);
    b.cls.resize(count);
    for (size_t i = 0; i < count; ++i) {
        const auto [c, idx] = items_[begin + i];
        set_.extract(set_.at(c, idx), 0, false, &b.x[i * n * n]);
        b.y[i] = is_positive(task_, c) ? 1.0f : 0.0f;
        b.cls[i] = c;
    }
}

}  // namespace mcseg
