// engine/random.h — the project's random numbers beyond the kernels' own (engine/philox.h), and
// the one list of every random stream it draws from.
//
// Everything random is Philox (counter-based) under a 64-bit key, so any draw depends only on
// (key, stream, counter): image k of a synthetic dataset is the same whether it is made alone,
// in a batch or on another thread; minibatch t is the same after a resume. derive_key() makes a
// key from a seed and an index (an image, a name's hash); Rng is a sequential stream under a key;
// pixel_normals() gives per-pixel noise straight from the counter (row, column), so the noise does
// not depend on the order of the loops.
#pragma once
#include <cmath>
#include <cstdint>

#include "engine/philox.h"

namespace mcseg {

// Every stream, by name. Keys are derive_key(seed, index) unless said otherwise; changing any of
// these numbers changes every dataset, database and trained network made before.
namespace streams {
// Synthetic mammograms (apps/synth/): key derive_key(seed, image index).
inline constexpr uint64_t kSynthScene = 1;           // Rng: shapes, positions, contrasts
inline constexpr uint64_t kSynthTissueField = 0xF1E1D;  // Rng: the 1/f^3 tissue texture
inline constexpr uint64_t kSynthQuantumNoise = 1;    // pixel_normals: detector noise
inline constexpr uint64_t kSynthFilmGrain = 2;       // pixel_normals: film grain
inline constexpr uint64_t kSynthScannerNoise = 3;    // pixel_normals: digitiser noise
// The patch database (apps/dataset/): key derive_key(seed, FNV-1a hash of the image name), which
// also orders the images for the split.
inline constexpr uint64_t kPatchSubsample = 0x5A3B;  // Rng: which C3/C4 centres are kept
// Minibatches: key derive_key(seed, kSamplerIndex), stream = the training step.
inline constexpr uint64_t kSamplerIndex = 0x5A3D1E4;
// Fixed evaluation sets: key derive_key(seed, kEvalSetIndex), stream = the class 1..4; the seed
// is kEvalSetSeed unless a command is told otherwise.
inline constexpr uint64_t kEvalSetIndex = 0xE7A1;
inline constexpr uint64_t kEvalSetSeed = 7;
// Hard-negative mining (apps/study/mine.h): key derive_key(seed, kMineChoice); stream = the round
// for the choice of images, derive_key(round, image id) for the choice of negatives in an image.
inline constexpr uint64_t kMineChoice = 0x4D494E45;
// The network (nets/network.cpp), key = the network's seed: He initialisation of layer k
// (conv1..conv6, fc1, fc2 = 0..7) from stream kNetInit + k; dropout at training step s from
// stream s.
inline constexpr uint64_t kNetInit = 1ull << 63;
// mcseg toy (apps/dataset/toy_patches.h), key = the seed: toy patch i draws its shapes from
// philox_uniform_at stream 2i and its pixel noise from philox_normals stream 2i + 1.
}  // namespace streams

// A 64-bit key for item `index` of what `seed` makes (splitmix64 finaliser).
inline uint64_t derive_key(uint64_t seed, uint64_t index) {
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
