// tests/test_segment_dense.cpp — the dense mode of `mcseg segment` (apps/segment/dense.h) against
// the exact per-patch evaluation, with small random-weight networks on small random images:
// valid nets agree everywhere; for same nets the index mapping is checked with centre-tap
// kernels (which make the convs' zero padding, the only difference between the modes,
// irrelevant), the halo by tiling independence; the Detector's windows including the flush last
// ones; and the dense path on the emulated CUDA backend against the CPU.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "apps/segment/dense.h"
#include "apps/segment/exact.h"
#include "apps/segment/pipeline.h"
#include "tests/test_cuda_common.h"

using namespace mcseg;

namespace {

Network small_net(int patch, bool same, uint64_t seed, int filters = 4) {
    NetConfig c;
    c.patch = patch;
    c.same = same;
    c.filters = filters;
    c.fc = 8;
    Network net(c, seed);
    // Smaller fc2 weights keep P away from 0 and 1, so a wrong input shows in P. Batch norms as
    // after training (not the identity), so the dense mode's folding of them into the convs is
    // checked too.
    std::mt19937 gen{uint32_t(seed)};
    std::uniform_real_distribution<float> u(0.5f, 1.5f);
    for (auto& [name, t] : net.state()) {
        if (name == "fc2.weight")
            for (size_t i = 0; i < t->numel(); ++i) t->data()[i] *= 0.1f;
        if (name.starts_with("bn") && !name.ends_with("num_batches_tracked"))
            for (size_t i = 0; i < t->numel(); ++i)
                t->data()[i] = name.ends_with("bias") || name.ends_with("mean") ? u(gen) - 1.0f : u(gen);
    }
    return net;
}

// Zeroes every conv weight but the centre tap: each conv becomes pointwise, so the zero padding
// of "same" convs never enters a result and dense must equal exact for a same net too. The centre
// grows by 3 to keep He's variance (fan-in 9 -> 1 per channel).
void centre_taps_only(Network& net) {
    for (auto& [name, t] : net.state())
        if (name.starts_with("conv") && name.ends_with(".weight"))
            for (size_t i = 0; i < t->numel(); ++i) t->data()[i] = i % 9 == 4 ? 3.0f * t->data()[i] : 0.0f;
}

NormalisedImage random_image(int w, int h, uint32_t seed) {
    std::mt19937 gen(seed);
    std::normal_distribution<float> g;
    NormalisedImage img{w, h, std::vector<float>(size_t(w) * h)};
    for (float& v : img.px) v = g(gen);
    return img;
}

// Top-lefts covering every offset mod 4, inside the image and reaching past each edge.
TopLefts spread_positions(int w, int h, int n) {
    TopLefts at;
    for (int y0 = -n / 2; y0 <= h - n / 2; y0 += 7)
        for (int x0 = -n / 2; x0 <= w - n / 2; x0 += 5) at.push_back({x0, y0});
    return at;
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    REQUIRE(a.size() == b.size());
    float d = 0;
    for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a[i] - b[i]));
    return d;
}

// The exact probabilities, checked to be spread out (a constant P would hide a wrong mapping).
std::vector<float> exact(Network& net, const NormalisedImage& img, const TopLefts& at) {
    double gflop = 0;
    std::vector<float> p = exact_probabilities(net, img, at, 256, &gflop);
    auto [lo, hi] = std::minmax_element(p.begin(), p.end());
    CHECK(*hi - *lo > 0.05f);
    return p;
}

std::vector<float> dense(Network& net, const NormalisedImage& img, const TopLefts& at, int tile,
                         double* gflop = nullptr) {
    double ignored = 0;
    return dense_probabilities(net, img, at, tile, 100, gflop ? gflop : &ignored);
}

}  // namespace

TEST_CASE("dense: a valid net gives the per-patch probabilities at every offset and tiling") {
    Network net = small_net(49, false, 1);
    NormalisedImage img = random_image(64, 56, 2);
    TopLefts at = spread_positions(img.w, img.h, 49);
    std::vector<float> want = exact(net, img, at);
    CHECK(max_abs_diff(dense(net, img, at, 256), want) < 1e-5f);
    CHECK(max_abs_diff(dense(net, img, at, 8), want) < 1e-5f);

    // Every pixel a patch centre, as for the Segmentator: far less work than a trunk per patch,
    // more than the FCs alone.
    TopLefts every;
    for (int y = 0; y < img.h; ++y)
        for (int x = 0; x < img.w; ++x) every.push_back({x - 24, y - 24});
    double gflop = 0;
    CHECK(max_abs_diff(dense(net, img, every, 256, &gflop), exact(net, img, every)) < 1e-5f);
    CHECK(gflop < 0.2 * double(every.size()) * net.config().forward_flops() / 1e9);
    CHECK(gflop > double(every.size()) * net.config().head_flops() / 1e9);
}

TEST_CASE("dense: a same net with centre-tap kernels gives the per-patch probabilities (index mapping)") {
    for (int n : {49, 29}) {
        INFO("N = ", n);
        Network net = small_net(n, true, 3);
        centre_taps_only(net);
        NormalisedImage img = random_image(83, 64, 4);
        TopLefts at = spread_positions(img.w, img.h, n);
        CHECK(max_abs_diff(dense(net, img, at, 32), exact(net, img, at)) < 1e-5f);
    }
}

TEST_CASE("dense: a same net's result does not depend on the tiling (the halo suffices)") {
    Network net = small_net(49, true, 5);
    NormalisedImage img = random_image(80, 70, 6);
    TopLefts at = spread_positions(img.w, img.h, 49);
    std::vector<float> whole = dense(net, img, at, 512);
    CHECK(max_abs_diff(dense(net, img, at, 8), whole) < 1e-5f);
    CHECK(max_abs_diff(dense(net, img, at, 20), whole) < 1e-5f);
    // ... and it differs from the exact mode (zero padding at each patch's border) but not wildly.
    std::vector<float> per_patch = exact(net, img, at);
    CHECK(max_abs_diff(whole, per_patch) > 1e-3f);
}

TEST_CASE("dense: the Detector's windows, the flush last ones included, match the exact mode") {
    // 49-pixel windows at stride 24 over 131 x 103: starts 0, 24, 48, 72, 82 (≡ 2 mod 4) and
    // 0, 24, 48, 54 (≡ 2 mod 4), so the last row and column need offsets of their own.
    CHECK(window_starts(131, 49, 24) == std::vector<int>{0, 24, 48, 72, 82});
    CHECK(window_starts(103, 49, 24) == std::vector<int>{0, 24, 48, 54});
    Network net = small_net(49, true, 7, 8);
    centre_taps_only(net);
    NormalisedImage img = random_image(131, 103, 8);
    TopLefts windows;
    for (int y0 : window_starts(img.h, 49, 24))
        for (int x0 : window_starts(img.w, 49, 24)) windows.push_back({x0, y0});
    CHECK(max_abs_diff(dense(net, img, windows, 256), exact(net, img, windows)) < 1e-5f);
}

TEST_CASE("dense: segment_mammogram in both modes agrees for centre-tap nets") {
    // A noisy "breast" right of x = 40 on a dark background.
    GrayImage img;
    img.width = 160;
    img.height = 200;
    std::mt19937 gen(13);
    std::uniform_int_distribution<int> tissue(1000, 3000);
    for (int y = 0; y < img.height; ++y)
        for (int x = 0; x < img.width; ++x) img.pixels.push_back(x < 40 ? 50 : uint16_t(tissue(gen)));
    Network det = small_net(29, true, 9, 2), seg = small_net(29, true, 10, 2);
    centre_taps_only(det);
    centre_taps_only(seg);
    SegmentOptions opt;
    opt.detector_threshold = 0.5;
    opt.mode = "exact";
    SegmentResult e = segment_mammogram(img, det, seg, opt);
    opt.mode = "dense";
    SegmentResult d = segment_mammogram(img, det, seg, opt);
    CHECK(d.mode == "dense");
    CHECK(e.mode == "exact");
    CHECK(e.positive_windows > 0);
    CHECK(e.positive_windows < e.windows);
    CHECK(d.positive_windows == e.positive_windows);
    CHECK(d.candidates == e.candidates);
    int worst = 0;
    for (size_t i = 0; i < d.probability.size(); ++i)
        worst = std::max(worst, std::abs(int(d.probability[i]) - int(e.probability[i])));
    CHECK(worst <= 1);  // P × 255 rounded: float rounding may tip one level
    CHECK(d.stages[1].gflop > 0);  // the dense FLOPs done are counted per stage
    CHECK(d.stages[2].gflop > 0);
}

TEST_CASE("dense: the emulated CUDA backend matches the CPU") {
    test::cuda_under_test();
    Network net = small_net(29, true, 11, 2);
    NormalisedImage img = random_image(40, 36, 12);
    TopLefts at = {{-14, -14}, {-3, 5}, {6, -2}, {11, 11}, {25, 20}};  // five offsets, past every edge
    std::vector<float> cpu = dense(net, img, at, 256);
    net.to(Device::CUDA);
    REQUIRE(net.device() == Device::CUDA);
    CHECK(max_abs_diff(dense(net, img, at, 256), cpu) < 1e-5f);
}
