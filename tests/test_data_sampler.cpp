// tests/test_data_sampler.cpp — balanced minibatches, quotas, augmentation, reproducibility,
// and the fixed class-balanced evaluation set.
#include <doctest/doctest.h>

#include <cmath>

#include "apps/dataset/patch_classes.h"
#include "apps/dataset/sampler.h"
#include "engine/error.h"
#include "tests/test_data_fixture.h"

using namespace mcseg;
namespace fs = std::filesystem;

namespace {

struct Fixture {
    fs::path dir;
    std::string db;
    Fixture() : dir(test::make_fixture("sampler", 8)), db((dir / "p.db").string()) {
        PatchDbOptions opt;
        opt.patch = 15;
        opt.max_c3 = 2000;
        opt.max_c4 = 2000;
        build_patch_db(dir.string(), db, opt);
    }
    ~Fixture() { fs::remove_all(dir); }
};

// The class of a patch recomputed from its pixels: MC pixels are far above the tissue level.
int class_from_patch(const float* x, int n, const DbImage& img) {
    const float mc_level = (0.5f * (test::kTissue + test::kMc) - img.norm.mean) / img.norm.std;
    const int h = n / 2;
    bool any = false;
    float best = 1e9f;
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < n; ++c)
            if (x[r * n + c] > mc_level) {
                any = true;
                best = std::min(best, float((r - h) * (r - h) + (c - h) * (c - h)));
            }
    if (!any) return kC4;
    if (best == 0) return kC1;
    return best <= kC2MaxDistancePx * kC2MaxDistancePx ? kC2 : kC3;
}

}  // namespace

TEST_CASE("data: sampler batches are balanced and follow the quotas") {
    Fixture fx;
    PatchSet set(fx.db, "train");
    REQUIRE(set.patch() == 15);
    for (int c = 1; c <= 4; ++c) REQUIRE(set.count(c) > 0);

    SUBCASE("Detector: C1..C3 positive, C4 negative, 1:1:1 among positives") {
        SamplerConfig cfg;
        cfg.task = Task::Detector;
        cfg.batch = 64;
        Sampler s(set, cfg);
        CHECK(s.per_class() == PerClass<int>{{11, 11, 10, 32}});
        Batch b;
        PerClass<long> seen{};
        for (int t = 0; t < 40; ++t) {
            s.next(b);
            REQUIRE(b.size == 64);
            int pos = 0;
            PerClass<int> per{};
            for (int i = 0; i < b.size; ++i) {
                const int c = b.cls[i];
                per[c]++;
                pos += b.y[i] == 1.0f;
                REQUIRE(b.y[i] == (c <= 3 ? 1.0f : 0.0f));
            }
            CHECK(pos == 32);
            CHECK(per == s.per_class());
            for (int c = 1; c <= 4; ++c) seen[c] += per[c];
        }
        CHECK(seen[4] == 40 * 32);
    }
    SUBCASE("Segmentator: C1 positive; negatives oversample C2 and C3 by quota") {
        SamplerConfig cfg;
        cfg.task = Task::Segmentator;
        cfg.batch = 256;
        cfg.quota = {{1, 2, 1, 1}};
        Sampler s(set, cfg);
        CHECK(s.per_class() == PerClass<int>{{128, 64, 32, 32}});
        Batch b;
        for (int t = 0; t < 20; ++t) {
            s.next(b);
            PerClass<int> per{};
            for (int i = 0; i < b.size; ++i) {
                per[b.cls[i]]++;
                REQUIRE(b.y[i] == (b.cls[i] == 1 ? 1.0f : 0.0f));
            }
            CHECK(per == s.per_class());
        }
    }
}

TEST_CASE("data: sampler augmentation keeps labels, and the same seed gives the same batches") {
    Fixture fx;
    PatchSet set(fx.db, "train");
    const int n = set.patch();
    SUBCASE("augmentation keeps the class of every sampled patch") {
        SamplerConfig cfg;
        cfg.batch = 128;
        Sampler s(set, cfg);
        Batch b;
        int checked = 0;
        for (int t = 0; t < 10; ++t) {
            s.next(b);
            for (int i = 0; i < b.size; ++i, ++checked)
                REQUIRE(class_from_patch(&b.x[size_t(i) * n * n], n, set.image(s.where(i).image)) == b.cls[i]);
        }
        CHECK(checked == 1280);
        // Rotation by 90 degrees is the rotation of the plain patch; mirror flips columns.
        std::vector<float> p0(n * n), p1(n * n), pm(n * n);
        set.extract(set.at(2, 0), 0, false, p0.data());
        set.extract(set.at(2, 0), 1, false, p1.data());
        set.extract(set.at(2, 0), 0, true, pm.data());
        for (int r = 0; r < n; ++r)
            for (int c = 0; c < n; ++c) {
                REQUIRE(p1[r * n + c] == p0[c * n + (n - 1 - r)]);  // counter-clockwise
                REQUIRE(pm[r * n + c] == p0[r * n + (n - 1 - c)]);
            }
    }
    SUBCASE("same seed, same batches; seek() resumes") {
        SamplerConfig cfg;
        cfg.batch = 32;
        Sampler a(set, cfg), b(set, cfg);
        Batch x, y;
        for (int t = 0; t < 3; ++t) {
            a.next(x);
            b.next(y);
            CHECK(x.x == y.x);
            CHECK(x.cls == y.cls);
        }
        Batch x4;
        a.next(x4);  // batch 3
        Sampler c(set, cfg);
        c.seek(3);
        c.next(y);
        CHECK(y.x == x4.x);
        cfg.seed = 2;
        Sampler d(set, cfg);
        d.seek(3);
        d.next(y);
        CHECK(y.x != x4.x);
    }
}

TEST_CASE("data: evaluation set has equal counts per class and a fixed order") {
    Fixture fx;
    PatchSet set(fx.db, "train");
    EvalSet e(set, Task::Segmentator, 50), f(set, Task::Segmentator, 50);
    REQUIRE(e.size() == 200);
    Batch a, b;
    e.batch(0, 1000, a);
    f.batch(0, 1000, b);
    CHECK(a.size == 200);
    CHECK(a.x == b.x);
    PerClass<int> per{};
    for (int i = 0; i < a.size; ++i) {
        per[a.cls[i]]++;
        REQUIRE(a.y[i] == (a.cls[i] == 1 ? 1.0f : 0.0f));
        REQUIRE(class_from_patch(&a.x[size_t(i) * 225], 15, set.image(e.where(i).image)) == a.cls[i]);
    }
    CHECK(per == PerClass<int>{{50, 50, 50, 50}});
    e.batch(190, 64, a);
    CHECK(a.size == 10);
    CHECK_THROWS_AS(PatchSet(fx.db, "bogus"), Error);
}

TEST_CASE("data: resampled patches agree with the plain ones at zoom 1, and intensity augmentation keeps labels") {
    Fixture fx;
    PatchSet set(fx.db, "train");
    const int n = set.patch();
    std::vector<float> plain(n * n), resampled(n * n);
    for (int rot = 0; rot < 4; ++rot)
        for (bool mirror : {false, true}) {
            set.extract(set.at(kC1, 3), rot, mirror, plain.data());
            set.extract(set.at(kC1, 3), rot, mirror, resampled.data(), 1.0 + 1e-9);  // the bilinear path
            for (int i = 0; i < n * n; ++i) REQUIRE(resampled[i] == doctest::Approx(plain[i]).epsilon(1e-4));
        }
    SamplerConfig cfg;
    cfg.batch = 64;
    Sampler a(set, cfg);
    cfg.intensity_augment = true;
    Sampler b(set, cfg);
    Batch x, y;
    a.next(x);
    b.next(y);
    CHECK(x.cls == y.cls);  // the same classes and labels, other pixels
    CHECK(x.y == y.y);
    CHECK(x.x != y.x);
}
