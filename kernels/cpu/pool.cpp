// kernels/cpu/pool.cpp — 2×2 max-pool, stride 2, floor on odd sizes.
//
// Backward is a gather (as in darknet): every input pixel recomputes the argmax of its window
// from x — the first maximum in row-major order (top-left, top-right, bottom-left,
// bottom-right) — and takes that window's dy if it is the argmax, else 0. Pixels of a dropped odd
// last row/column get 0. No indices are stored and no two threads write the same pixel.
#include "kernels/cpu/cpu_backend.h"

namespace mcseg {

void CpuBackend::maxpool2x2_forward(const Pool2x2Shape& s, const float* x, float* y) {
    const int ho = s.h_out(), wo = s.w_out();
    const long planes = static_cast<long>(s.n) * s.c;
#pragma omp parallel for schedule(static) if (planes * s.h * s.w > 32768)
    for (long p = 0; p < planes; ++p) {
        const float* in = x + p * s.h * s.w;
        float* out = y + p * ho * wo;
        for (int oy = 0; oy < ho; ++oy) {
            const float* r0 = in + static_cast<long>(2 * oy) * s.w;
            const float* r1 = r0 + s.w;
            for (int ox = 0; ox < wo; ++ox) {
                float m = r0[2 * ox];
                if (r0[2 * ox + 1] > m) m = r0[2 * ox + 1];
                if (r1[2 * ox] > m) m = r1[2 * ox];
                if (r1[2 * ox + 1] > m) m = r1[2 * ox + 1];
                out[static_cast<long>(oy) * wo + ox] = m;
            }
        }
    }
}

void CpuBackend::maxpool2x2_backward(const Pool2x2Shape& s, const float* x, const float* dy,
                                     float* dx) {
    const int ho = s.h_out(), wo = s.w_out();
    const long planes = static_cast<long>(s.n) * s.c;
#pragma omp parallel for schedule(static) if (planes * s.h * s.w > 32768)
    for (long p = 0; p < planes; ++p) {
        const float* in = x + p * s.h * s.w;
        const float* d = dy + p * ho * wo;
        float* out = dx + p * s.h * s.w;
        for (int iy = 0; iy < s.h; ++iy)
            for (int ix = 0; ix < s.w; ++ix) {
                int oy = iy / 2, ox = ix / 2;
                float g = 0.0f;
                if (oy < ho && ox < wo) {
                    const float* r0 = in + static_cast<long>(2 * oy) * s.w + 2 * ox;
                    const float* r1 = r0 + s.w;
                    // argmax position 0..3 in row-major order, first maximum wins
                    int arg = 0;
                    float m = r0[0];
                    if (r0[1] > m) m = r0[1], arg = 1;
                    if (r1[0] > m) m = r1[0], arg = 2;
                    if (r1[1] > m) m = r1[1], arg = 3;
                    if (arg == (iy % 2) * 2 + (ix % 2)) g = d[static_cast<long>(oy) * wo + ox];
                }
                out[static_cast<long>(iy) * s.w + ix] = g;
            }
    }
}

}  // namespace mcseg
