// engine/init.cpp — He-normal initialisation from Philox uniforms via Box-Muller (engine/init.h).
#include "engine/init.h"

#include <cmath>

#include "engine/error.h"
#include "engine/philox.h"

namespace mcseg {

std::vector<float> philox_normals(size_t n, uint64_t seed, uint64_t stream) {
    std::vector<float> z(n);
    const double two_pi = 6.283185307179586;
    for (size_t j = 0; 2 * j < n; ++j) {
        double u1 = philox_uniform_at(seed, stream, 2 * j);
        double u2 = philox_uniform_at(seed, stream, 2 * j + 1);
        double r = std::sqrt(-2.0 * std::log(1.0 - u1));  // 1 - u1 in (0, 1]: log is finite
        z[2 * j] = static_cast<float>(r * std::cos(two_pi * u2));
        if (2 * j + 1 < n) z[2 * j + 1] = static_cast<float>(r * std::sin(two_pi * u2));
    }
    return z;
}

void he_normal_(Tensor& w, uint64_t seed, uint64_t stream) {
    if (!w.defined() || w.rank() < 2)
        fail("he_normal_: needs a weight of rank >= 2, got ",
             w.defined() ? shape_str(w.shape()) : std::string("an undefined tensor"));
    const size_t fan_in = w.numel() / static_cast<size_t>(w.dim(0));
    const float std_dev = static_cast<float>(std::sqrt(2.0 / static_cast<double>(fan_in)));
    std::vector<float> z = philox_normals(w.numel(), seed, stream);
    for (float& x : z) x *= std_dev;
    w.backend().copy_from_host(w.data(), z.data(), z.size() * sizeof(float));
}

}  // namespace mcseg
