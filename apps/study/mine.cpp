// apps/study/mine.cpp — see mine.h.
#include "apps/study/mine.h"

#include <algorithm>
#include <numeric>

#include "apps/dataset/hard_negatives.h"
#include "apps/dataset/patch_classes.h"
#include "apps/dataset/sampler.h"
#include "apps/imaging/labeling.h"
#include "apps/imaging/otsu.h"
#include "apps/io/image.h"
#include "engine/random.h"
#include "nets/evaluate.h"
#include "nets/weights.h"

namespace mcseg {
namespace {

// The images to mine: all of the split, or a seeded choice of `count` of them.
std::vector<DbImage> chosen_images(const MineOptions& opt) {
    std::vector<DbImage> all = PatchDbReader(opt.db).images(opt.split);
    if (opt.images <= 0 || size_t(opt.images) >= all.size()) return all;
    Rng rng(derive_key(opt.seed, streams::kMineChoice), uint64_t(opt.round));
    for (size_t i = 0; i < size_t(opt.images); ++i)
        std::swap(all[i], all[i + size_t(rng.uniform() * double(all.size() - i))]);
    all.resize(size_t(opt.images));
    std::sort(all.begin(), all.end(), [](const DbImage& a, const DbImage& b) { return a.name < b.name; });
    return all;
}

// At most k of the list, a seeded uniform choice, in raster order.
void keep_at_most(std::vector<HardExample>& list, size_t k, Rng& rng) {
    if (list.size() <= k) return;
    for (size_t i = 0; i < k; ++i) std::swap(list[i], list[i + size_t(rng.uniform() * double(list.size() - i))]);
    list.resize(k);
    std::sort(list.begin(), list.end(), [](const HardExample& a, const HardExample& b) {
        return a.y != b.y ? a.y < b.y : a.x < b.x;
    });
}

// The pixels (raster indices) of the components of `a` that no non-zero pixel of `other`
// overlaps: a predicted MC no true MC touches, or a true MC no predicted MC touches. `unmatched`
// counts those components.
template <class Mask>
std::vector<size_t> unmatched_pixels(const Labeling& a, const std::vector<Mask>& other, long long& unmatched) {
    std::vector<bool> hit(a.components.size() + 1, false);
    for (size_t i = 0; i < a.labels.size(); ++i)
        if (a.labels[i] && other[i]) hit[size_t(a.labels[i])] = true;
    for (size_t k = 1; k < hit.size(); ++k) unmatched += !hit[k];
    std::vector<size_t> out;
    for (size_t i = 0; i < a.labels.size(); ++i)
        if (a.labels[i] && !hit[size_t(a.labels[i])]) out.push_back(i);
    return out;
}

}  // namespace

std::vector<HardExample> segmentator_negatives(const SegmentResult& r, const std::vector<uint8_t>& truth,
                                               const std::vector<uint8_t>& cls, long long& false_mcs) {
    std::vector<HardExample> out;
    for (size_t i : unmatched_pixels(r.mcs, truth, false_mcs))
        if (cls[i] >= kC2) out.push_back({int(i % size_t(r.width)), int(i / size_t(r.width)), cls[i]});
    return out;
}

std::vector<HardExample> segmentator_positives(const SegmentResult& r, const std::vector<uint8_t>& truth,
                                               const std::vector<uint8_t>& cls, long long& missed_mcs) {
    std::vector<HardExample> out;
    for (size_t i : unmatched_pixels(label_components(truth, r.width, r.height), r.mcs.labels, missed_mcs))
        if (cls[i] == kC1) out.push_back({int(i % size_t(r.width)), int(i / size_t(r.width)), kC1});
    return out;
}

std::vector<HardExample> detector_negatives(const SegmentResult& r, int n, const std::vector<uint8_t>& cls) {
    std::vector<HardExample> out;
    for (const auto& [x0, y0] : r.positive_at) {
        const int x = x0 + n / 2, y = y0 + n / 2;
        if (cls[size_t(y) * r.width + x] == kC4) out.push_back({x, y, kC4});
    }
    return out;
}

MineSummary mine_hard_negatives(const MineOptions& opt, const std::function<void(int, int)>& progress) {
    Network det = load_network_of_kind(opt.detector, "detector", opt.device);
    Network seg = load_network_of_kind(opt.segmentator, "segmentator", opt.device);
    check_stage_networks(det, seg);
    const int n = det.config().patch;
    check_patch_side(det.config(), PatchDbReader(opt.db).patch(), "the patch database '" + opt.db + "'");
    const std::vector<DbImage> images = chosen_images(opt);
    MineSummary sum;
    for (const DbImage& d : images) {
        const GrayImage img = read_image(d.image_path);
        const std::vector<uint8_t> truth = read_mask_png(d.mask_path, img.width, img.height);
        SegmentResult r = segment_mammogram(img, det, seg, opt.segment);
        const std::vector<uint8_t> cls = patch_class_map(truth, img.width, img.height, n, &r.breast);
        Rng rng(derive_key(opt.seed, streams::kMineChoice), derive_key(uint64_t(opt.round), uint64_t(d.id)));
        std::vector<HardExample> mcs = segmentator_negatives(r, truth, cls, sum.false_mcs);
        std::vector<HardExample> missed = segmentator_positives(r, truth, cls, sum.missed_mcs);
        std::vector<HardExample> windows = detector_negatives(r, n, cls);
        sum.false_windows += (long long)windows.size();
        keep_at_most(mcs, size_t(opt.max_per_image), rng);
        keep_at_most(missed, size_t(opt.max_per_image), rng);
        keep_at_most(windows, size_t(opt.max_per_image), rng);
        sum.segmentator_added += add_hard_examples(opt.db, d.name, "segmentator", opt.round, mcs);
        sum.positives_added += add_hard_examples(opt.db, d.name, "segmentator", opt.round, missed);
        sum.detector_added += add_hard_examples(opt.db, d.name, "detector", opt.round, windows);
        ++sum.images;
        if (progress) progress(sum.images, int(images.size()));
    }
    return sum;
}

}  // namespace mcseg
