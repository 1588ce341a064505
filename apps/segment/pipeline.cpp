// apps/segment/pipeline.cpp — see pipeline.h.
#include "apps/segment/pipeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>

#include "apps/imaging/normalise.h"
#include "apps/imaging/otsu.h"
#include "apps/imaging/resample.h"
#include "apps/segment/dense.h"
#include "apps/segment/exact.h"
#include "apps/imaging/summed_area.h"
#include "engine/error.h"
#include "engine/tensor.h"
#include "nets/evaluate.h"
#include "nets/weights.h"

namespace mcseg {

double SegmentResult::seconds() const {
    double s = 0;
    for (const auto& st : stages) s += st.seconds;
    return s;
}

double SegmentResult::gflop() const {
    double g = 0;
    for (const auto& st : stages) g += st.gflop;
    return g;
}

void SegmentOptions::validate() const {
    if (mode != "exact" && mode != "dense") fail("segment mode must be exact or dense, not '", mode, "'");
    if (batch < 1) fail("batch must be >= 1, got ", batch);
    if (tile < 4 || tile % 4) fail("tile must be a positive multiple of 4, got ", tile);
    if (!(detector_threshold >= 0 && detector_threshold <= 1))
        fail("the Detector threshold must be between 0 and 1, got ", detector_threshold);
    if (!(segmentator_threshold >= 0 && segmentator_threshold <= 1))
        fail("the Segmentator threshold must be between 0 and 1, got ", segmentator_threshold);
}

int64_t min_mc_area_px(double min_mc_mm, double spacing_mm) {
    const double side_px = min_mc_mm / spacing_mm;
    return int64_t(std::ceil(M_PI / 4 * side_px * side_px));
}

std::string shipped_weights(const std::string& dir, const std::string& kind) {
    return (std::filesystem::path(dir) / (kind + ".safetensors")).string();
}

NormalisedImage normalised_image(const GrayImage& img, const std::vector<uint8_t>& breast, double spacing_mm,
                                 const NetConfig& cfg) {
    const NetworkInput in = network_input(img, breast, spacing_mm, parse_input_norm(cfg.input));
    NormalisedImage src{img.width, img.height, std::vector<float>(img.pixels.size())};
    for (size_t i = 0; i < src.px.size(); ++i) src.px[i] = in.norm.apply(in.samples[i]);
    return src;
}

Network load_segmentator(const std::string& path, Device device, double* threshold) {
    Metadata meta;
    Network net = load_network_of_kind(path, "segmentator", device, &meta);
    *threshold = stored_threshold(meta, path, kPipelineThresholdKey);
    return net;
}

void check_stage_networks(const Network& det, const Network& seg) {
    check_patch_side(det.config(), seg.config().patch, "the Segmentator", "the Detector");
    if (det.config().spacing_mm != seg.config().spacing_mm)
        fail("the Detector was trained at ", det.config().spacing_mm, " mm but the Segmentator at ",
             seg.config().spacing_mm, " mm");
    if (det.config().input != seg.config().input)
        fail("the Detector was trained on ", det.config().input, " input but the Segmentator on ", seg.config().input);
    parse_input_norm(det.config().input);
}

std::vector<int> window_starts(int length, int n, int stride) {
    std::vector<int> s;
    for (int p = 0; p + n <= length; p += stride) s.push_back(p);
    if (s.empty() || s.back() + n < length) s.push_back(length - n);
    return s;
}

namespace {

using clock_type = std::chrono::steady_clock;
double since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

// The pixel spacing an image is segmented at: --pixel-spacing, else its own, else the default.
double image_spacing(const GrayImage& img, const SegmentOptions& opt) {
    return opt.override_spacing_mm > 0 ? opt.override_spacing_mm
           : img.pixel_spacing_mm > 0  ? img.pixel_spacing_mm
                                       : opt.default_spacing_mm;
}

// Size, spacing and the Otsu breast mask: the first stage of both methods.
SegmentResult start_result(const GrayImage& img, const SegmentOptions& opt) {
    SegmentResult r;
    r.width = img.width;
    r.height = img.height;
    r.spacing_mm = image_spacing(img, opt);
    r.breast = breast_mask(img, opt.whole_image);
    if (std::find(r.breast.begin(), r.breast.end(), uint8_t(1)) == r.breast.end())
        fail("no breast found: the image is uniform (all background)");
    return r;
}

// The last stage of both methods: MCs and clusters from r.mask.
void finish_result(const GrayImage& img, SegmentResult& r) {
    auto t = clock_type::now();
    r.mcs = label_components(r.mask, r.width, r.height, &img.pixels);
    r.clusters = cluster_components(r.mcs.components, r.spacing_mm);
    r.stages.push_back({"labelling", since(t), 0, 0});
}

// P(positive) of the patches at `at` in the chosen mode; *gflop receives the work done.
std::vector<float> probabilities(Network& net, const NormalisedImage& img, const TopLefts& at,
                                 const SegmentOptions& opt, double* gflop, const StageProgress& progress) {
    return opt.mode == "dense" ? dense_probabilities(net, img, at, opt.tile, opt.batch, gflop, progress)
                               : exact_probabilities(net, img, at, opt.batch, gflop, progress);
}

// The pipeline at the image's own pixel size.
SegmentResult segment_as_is(const GrayImage& img, Network& det, Network& seg, const SegmentOptions& opt,
                            SegmentProgress progress, void* user) {
    const int n = det.config().patch, w = img.width, h = img.height;
    if (w < n || h < n) fail("the image (", w, "x", h, ") is smaller than the ", n, "x", n, " patch");
    opt.validate();

    // 1. Otsu and normalisation.
    auto t = clock_type::now();
    SegmentResult r = start_result(img, opt);
    r.mode = opt.mode;
    const NormalisedImage src = normalised_image(img, r.breast, r.spacing_mm, det.config());
    const SummedArea breast_count(r.breast, w, h);  // "does this window hold breast?" in O(1)
    r.stages.push_back({"otsu", since(t), 0, 0});

    // 2. Detector on half-overlapping windows that touch the breast.
    t = clock_type::now();
    TopLefts windows;
    const int stride = std::max(1, n / 2);
    for (int y0 : window_starts(h, n, stride))
        for (int x0 : window_starts(w, n, stride))
            if (breast_count.count(x0, y0, x0 + n, y0 + n) > 0) windows.push_back({x0, y0});
    r.windows = int64_t(windows.size());
    double gflop = 0;
    std::vector<float> p = probabilities(det, src, windows, opt, &gflop, {progress, user, "detector"});
    r.candidates.assign(size_t(w) * h, 0);
    for (size_t i = 0; i < windows.size(); ++i) {
        if (p[i] <= opt.detector_threshold) continue;
        ++r.positive_windows;
        auto [x0, y0] = windows[i];
        r.positive_at.push_back(windows[i]);
        for (int y = y0; y < y0 + n; ++y)
            for (int x = x0; x < x0 + n; ++x) r.candidates[size_t(y) * w + x] = r.breast[size_t(y) * w + x];
    }
    r.stages.push_back({"detector", since(t), r.windows, gflop});

    // 3. Segmentator on every candidate pixel, the centre of the patch with top-left pixel − N/2.
    t = clock_type::now();
    std::vector<int64_t> pixels;
    for (int64_t i = 0; i < int64_t(r.candidates.size()); ++i)
        if (r.candidates[i]) pixels.push_back(i);
    r.candidate_pixels = int64_t(pixels.size());
    TopLefts patches(pixels.size());
    for (size_t i = 0; i < pixels.size(); ++i) patches[i] = {int(pixels[i] % w) - n / 2, int(pixels[i] / w) - n / 2};
    p = probabilities(seg, src, patches, opt, &gflop, {progress, user, "segmentator"});
    r.probability.assign(size_t(w) * h, 0);
    r.mask.assign(size_t(w) * h, 0);
    for (size_t i = 0; i < pixels.size(); ++i) {
        r.probability[pixels[i]] = uint8_t(std::lround(255.0f * p[i]));
        r.mask[pixels[i]] = p[i] > opt.segmentator_threshold;
    }
    remove_small_components(r.mask, w, h, int(min_mc_area_px(opt.min_mc_mm, r.spacing_mm)));
    r.stages.push_back({"segmentator", since(t), r.candidate_pixels, gflop});

    // 4. MCs and clusters.
    finish_result(img, r);
    return r;
}

// The mask of a probability map on the candidates: above the threshold, specks removed.
void make_mask(SegmentResult& r, const SegmentOptions& opt) {
    r.mask.assign(r.probability.size(), 0);
    const int t = int(std::floor(255.0 * opt.segmentator_threshold));
    for (size_t i = 0; i < r.mask.size(); ++i) r.mask[i] = r.candidates[i] && r.probability[i] > t;
    remove_small_components(r.mask, r.width, r.height, int(min_mc_area_px(opt.min_mc_mm, r.spacing_mm)));
}

// The pipeline on img resampled by s (to the networks' spacing), its results brought back.
SegmentResult segment_resampled(const GrayImage& img, double s, Network& det, Network& seg, const SegmentOptions& opt,
                                SegmentProgress progress, void* user) {
    auto t = clock_type::now();
    SegmentResult r = start_result(img, opt);
    GrayImage work = resample_image(img, s);
    SegmentOptions o = opt;
    o.override_spacing_mm = r.spacing_mm / s;
    const double resample_seconds = since(t);
    SegmentResult at = segment_as_is(work, det, seg, o, progress, user);
    t = clock_type::now();
    r.mode = at.mode;
    r.windows = at.windows;
    r.positive_windows = at.positive_windows;
    for (auto [x0, y0] : at.positive_at) r.positive_at.push_back({int(x0 / s), int(y0 / s)});
    r.probability = resample_map(at.probability, work.width, work.height, r.width, r.height);
    std::vector<uint8_t> cand = resample_map(at.candidates, work.width, work.height, r.width, r.height);
    r.candidates.assign(cand.size(), 0);
    for (size_t i = 0; i < cand.size(); ++i) r.candidates[i] = cand[i] > 0 && r.breast[i];
    r.candidate_pixels = int64_t(std::count(r.candidates.begin(), r.candidates.end(), uint8_t(1)));
    make_mask(r, opt);
    r.stages = at.stages;
    r.stages.pop_back();  // its labelling, at the other scale
    r.stages.push_back({"resample", resample_seconds + since(t), 0, 0});
    finish_result(img, r);
    return r;
}

}  // namespace

SegmentResult segment_mammogram(const GrayImage& img, Network& det, Network& seg, const SegmentOptions& opt,
                                SegmentProgress progress, void* user) {
    check_stage_networks(det, seg);
    const double spacing = image_spacing(img, opt), trained = det.config().spacing_mm;
    if (opt.resample && trained > 0 && std::abs(spacing / trained - 1) > 0.02)
        return segment_resampled(img, spacing / trained, det, seg, opt, progress, user);
    return segment_as_is(img, det, seg, opt, progress, user);
}

SegmentResult segment_dog(const GrayImage& img, const DogParams& params, const SegmentOptions& opt) {
    auto t = clock_type::now();
    SegmentResult r = start_result(img, opt);
    r.stages.push_back({"otsu", since(t), 0, 0});
    t = clock_type::now();
    std::vector<float> z = dog_score(img, r.breast, params);
    r.mask = dog_mask(z, r.width, r.height, params);
    r.probability.resize(z.size());
    for (size_t i = 0; i < z.size(); ++i)
        r.probability[i] = uint8_t(std::lround(255.0 * std::clamp(z[i] / (2 * params.threshold), 0.0, 1.0)));
    r.candidates = r.breast;
    r.candidate_pixels = int64_t(std::count(r.breast.begin(), r.breast.end(), uint8_t(1)));
    r.stages.push_back({"classic", since(t), 0, 0});
    finish_result(img, r);
    return r;
}

}  // namespace mcseg
