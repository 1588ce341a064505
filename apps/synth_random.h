// apps/synth_random.h — the random numbers of the mammogram synthesiser, all from Philox.
//
// Every image draws from its own key (seed, image index), so image k of a dataset is the same
// whether it is made alone, in a batch, or on another thread. Rng is a sequential stream for
// the scene (shapes, positions, contrasts); pixel_normals() gives the per-pixel noise directly
// from the counter (row, column), so the noise does not depend on the order of the loops.
#pragma once
#include <cmath>
#include <cstdint>

#include "engine/philox.h"

namespace mcseg {

// A 64-bit key for image `index` of the dataset made with `seed` (splitmix64 finaliser).
inline uint64_t synth_image_key(uint64_t seed, uint64_t index) {
    uint64_t z = seed * 0x9E3779B97F4A7C15ull + index + 0x632BE59BD9B4E019ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Uniform in (0, 1]: never 0, so log() is safe.
inline double uniform_open(uint32_t bits) { return (bits + 1.0) * (1.0 / 4294967296.0); }

class Rng {
public:
    Rng(uint64_t key, uint64_t stream) : key_(key), stream_(stream) {}
    uint32_t next_u32() {
        if (used_ == 4) {
            buf_ = philox4x32_10(counter_++, stream_, key_);
            used_ = 0;
        }
        return buf_.v[used_++];
    }
    double uniform() { return uniform_open(next_u32()) - 0x1p-33; }  // in (0, 1)
    double uniform(double a, double b) { return a + (b - a) * uniform(); }
    double log_uniform(double a, double b) { return std::exp(uniform(std::log(a), std::log(b))); }
    int randint(int lo, int hi) { return lo + static_cast<int>(uniform() * (hi - lo + 1)); }  // inclusive
    bool chance(double p) { return uniform() < p; }
    double normal() {  // Box-Muller; the second value of each pair is kept for the next call
        if (has_spare_) {
            has_spare_ = false;
            return spare_;
        }
        double u1 = uniform_open(next_u32()), u2 = uniform_open(next_u32());
        double r = std::sqrt(-2.0 * std::log(u1)), s = std::sin(6.283185307179586 * u2);
        spare_ = r * s;
        has_spare_ = true;
        return r * std::cos(6.283185307179586 * u2);
    }

private:
    uint64_t key_, stream_, counter_ = 0;
    Philox4 buf_{};
    int used_ = 4;
    double spare_ = 0;
    bool has_spare_ = false;
};

// Four standard normals for pixels x..x+3 of row y in noise stream `stream` (Box-Muller).
inline void pixel_normals(uint64_t key, uint64_t stream, uint32_t y, uint32_t x, float out[4]) {
    Philox4 r = philox4x32_10(x / 4, (uint64_t(stream) << 32) | y, key);
    for (int k = 0; k < 4; k += 2) {
        float rad = std::sqrt(-2.0f * std::log(static_cast<float>(uniform_open(r.v[k]))));
        float ang = 6.2831853f * static_cast<float>(uniform_open(r.v[k + 1]));
        out[k] = rad * std::cos(ang);
        out[k + 1] = rad * std::sin(ang);
    }
}

}  // namespace mcseg
