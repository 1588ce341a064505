// engine/philox.h — Philox4x32-10, the counter-based random generator of Salmon et al. (2011).
//
// A counter-based generator turns (key, counter) into random bits with no hidden state, so any
// element of a random stream can be computed independently: CPU loops and CUDA threads draw the
// same numbers for the same (seed, offset), bit for bit. Dropout masks, He initialisation and the
// patch sampler all draw from it. The header compiles in host code, nvcc device code and the
// CUDA emulation layer alike (MCSEG_HD expands to __host__ __device__ under nvcc only).
#pragma once
#include <cstdint>

#if defined(__CUDACC__)
#define MCSEG_HD __host__ __device__
#else
#define MCSEG_HD
#endif

namespace mcseg {

struct Philox4 {
    uint32_t v[4];
};

MCSEG_HD inline uint32_t philox_mulhi(uint32_t a, uint32_t b, uint32_t* lo) {
    uint64_t p = static_cast<uint64_t>(a) * b;
    *lo = static_cast<uint32_t>(p);
    return static_cast<uint32_t>(p >> 32);
}

// Ten rounds of the Philox4x32 bijection over a 128-bit counter with a 64-bit key.
MCSEG_HD inline Philox4 philox4x32_10(uint64_t counter_lo, uint64_t counter_hi, uint64_t key) {
    uint32_t c0 = static_cast<uint32_t>(counter_lo), c1 = static_cast<uint32_t>(counter_lo >> 32);
    uint32_t c2 = static_cast<uint32_t>(counter_hi), c3 = static_cast<uint32_t>(counter_hi >> 32);
    uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
    for (int round = 0; round < 10; ++round) {
        uint32_t lo0, lo1;
        uint32_t hi0 = philox_mulhi(0xD2511F53u, c0, &lo0);
        uint32_t hi1 = philox_mulhi(0xCD9E8D57u, c2, &lo1);
        uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    return Philox4{{c0, c1, c2, c3}};
}

// A uniform float in [0, 1) from 24 random bits (exactly representable, never 1.0).
MCSEG_HD inline float philox_uniform(uint32_t bits) {
    return static_cast<float>(bits >> 8) * (1.0f / 16777216.0f);
}

// The i-th uniform of stream `stream` (e.g. a training step) under key `seed`:
// element i uses word i%4 of counter (i/4, stream).
MCSEG_HD inline float philox_uniform_at(uint64_t seed, uint64_t stream, uint64_t i) {
    Philox4 r = philox4x32_10(i / 4, stream, seed);
    return philox_uniform(r.v[i % 4]);
}

}  // namespace mcseg
