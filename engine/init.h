// engine/init.h — weight initialisation from the Philox generator (engine/philox.h).
//
// He / Kaiming normal (He et al. 2015), PyTorch's kaiming_normal_ with mode fan_in and gain
// sqrt(2): w ~ N(0, 2 / fan_in), fan_in = numel / shape[0] (c_in*3*3 for a conv, in for a linear
// layer). Normals come from Box-Muller over pairs of Philox uniforms: element 2j and 2j+1 use
// u1 = philox_uniform_at(seed, stream, 2j), u2 = philox_uniform_at(seed, stream, 2j+1):
//   r = sqrt(-2 ln(1 - u1)),  z[2j] = r cos(2π u2),  z[2j+1] = r sin(2π u2).
// So the same (seed, stream) gives the same weights on every machine and device.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/tensor.h"

namespace mcseg {

// n standard normals from (seed, stream), as described above.
std::vector<float> philox_normals(size_t n, uint64_t seed, uint64_t stream);

// Overwrites w (rank >= 2) with He-normal values.
void he_normal_(Tensor& w, uint64_t seed, uint64_t stream);

}  // namespace mcseg
