// apps/dataset/toy_patches.cpp — see toy_patches.h.
#include "apps/dataset/toy_patches.h"

#include <algorithm>
#include <cmath>

#include "engine/init.h"
#include "engine/philox.h"

namespace mcseg {
namespace {

// Sequential uniforms from one Philox stream.
struct Draws {
    uint64_t seed, stream, next = 0;
    float uniform() { return philox_uniform_at(seed, stream, next++); }
};

// One patch (kToyPatch² values, roughly zero-centred); positive = with spots. Patch `id` draws its
// uniforms from stream 2·id and its pixel noise from stream 2·id + 1.
void make_patch(uint64_t seed, uint64_t id, bool positive, float* out) {
    Draws d{seed, 2 * id};
    std::vector<float> noise = philox_normals(kToyPatch * kToyPatch, seed, 2 * id + 1);
    for (int i = 0; i < kToyPatch * kToyPatch; ++i) out[i] = 0.08f * noise[i];
    // Three waves amp·sin(fx·x + fy·y + phase), separably: sin(a + b) = sin a cos b + cos a sin b.
    for (int k = 0; k < 3; ++k) {
        const float fx = 0.05f + 0.25f * d.uniform(), fy = 0.05f + 0.25f * d.uniform();
        const float phase = 6.2831853f * d.uniform(), amp = 0.15f * d.uniform();
        float sx[kToyPatch], cx[kToyPatch];
        for (int x = 0; x < kToyPatch; ++x) sx[x] = std::sin(fx * x + phase), cx[x] = std::cos(fx * x + phase);
        for (int y = 0; y < kToyPatch; ++y) {
            const float sy = amp * std::sin(fy * y), cy = amp * std::cos(fy * y);
            for (int x = 0; x < kToyPatch; ++x) out[y * kToyPatch + x] += sx[x] * cy + cx[x] * sy;
        }
    }
    if (!positive) return;
    const int spots = 1 + static_cast<int>(3 * d.uniform());
    for (int s = 0; s < spots; ++s) {
        const float cx = 4 + (kToyPatch - 8) * d.uniform(), cy = 4 + (kToyPatch - 8) * d.uniform();
        const float radius = 0.7f + 1.0f * d.uniform(), bright = 0.25f + 0.25f * d.uniform();
        // Gaussian spot, drawn where it exceeds bright·e^-8 (within 4 radii of its centre).
        const int x0 = std::max(0, static_cast<int>(cx - 4 * radius)), x1 = std::min(kToyPatch - 1, static_cast<int>(cx + 4 * radius) + 1);
        const int y0 = std::max(0, static_cast<int>(cy - 4 * radius)), y1 = std::min(kToyPatch - 1, static_cast<int>(cy + 4 * radius) + 1);
        for (int y = y0; y <= y1; ++y)
            for (int x = x0; x <= x1; ++x) {
                const float r2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
                out[y * kToyPatch + x] += bright * std::exp(-r2 / (2 * radius * radius));
            }
    }
}

// Patches first_id .. first_id + n − 1 into b; labels alternate 1, 0 (balanced).
void make_batch(uint64_t seed, uint64_t first_id, int n, Batch& b) {
    b.size = n;
    b.patch = kToyPatch;
    b.x.assign(size_t(n) * kToyPatch * kToyPatch, 0.0f);
    b.y.resize(n);
    b.cls.assign(n, kNoClass);
    for (int i = 0; i < n; ++i) {
        b.y[i] = (i % 2 == 0) ? 1.0f : 0.0f;
        make_patch(seed, first_id + i, b.y[i] > 0.5f, &b.x[size_t(i) * kToyPatch * kToyPatch]);
    }
}

}  // namespace

void ToyPatches::train_batch(int64_t step, int batch_size, Batch& out) {
    make_batch(seed_, uint64_t(step) * batch_size, batch_size, out);
}

void ToyHeldOut::get(size_t begin, size_t count, Batch& out) { make_batch(seed_, (1ull << 40) + begin, int(count), out); }

}  // namespace mcseg
