// tests/test_gemm_cpu.cpp — the blocked CPU gemm() against the plain reference::gemm
// (kernels/cpu/reference.h: a triple loop summing in double, rounded to float once).
//
// Shapes cover the degenerate (1×1×1, K = 0), the ragged (not multiples of the micro-tile or of
// the cache blocks, in every dimension), the multi-threaded split along M and along N, and the
// paper network's own im2col/FC shapes; each runs with all four transpose combinations, with
// padded leading dimensions and with several alpha/beta pairs.
//
// Tolerance: the rigorous first-order bound for a float dot product of length K summed in any
// order is |error| ≤ K·u·Σ|a_k·b_k| (u = 2⁻²⁴), plus 2u for the rounding of the alpha/beta
// scaling, so |fast − exact| ≤ (K+2)·u·T with T = |alpha|·Σ|a_k·b_k| + |beta·c|. The reference
// is exact but for its final rounding to float (≤ u·T; its double sum adds ≤ K·2⁻⁵³·T), and
// Σ|a_k·b_k| is itself reference::gemm of |A| and |B|, rounded the same way (relative error ≤ u);
// one u·T for the first and one more for the rest (ample for K < 2²⁰) give (K+4)·u·T.
// Dropping or doubling a single term of a K-term sum breaks it for every K used here.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "engine/philox.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/reference.h"

using namespace mcseg;

namespace {

struct Case {
    int M, N, K;
};

// |x| of every element.
std::vector<float> absolute(std::vector<float> v) {
    for (float& x : v) x = std::fabs(x);
    return v;
}

// Elements of C [M×N, row stride ldc] farther from ref than the bound (K+4)·u·T of the header,
// T = |alpha|·absdot + |beta·c0| (c0 = C0's element; C is not read when beta == 0).
int count_outside_bound(Case s, const std::vector<float>& C, const std::vector<float>& ref,
                        const std::vector<float>& absdot, int ldc, float alpha, float beta, const std::vector<float>& C0) {
    const double u = std::ldexp(1.0, -24);
    int bad = 0;
    for (int i = 0; i < s.M; ++i)
        for (int j = 0; j < s.N; ++j) {
            const size_t ci = static_cast<size_t>(i) * ldc + j;
            const double c0 = beta == 0.0f ? 0.0 : C0[ci];
            double tol = (s.K + 4) * u * (std::fabs(alpha) * absdot[ci] + std::fabs(beta * c0)) + 1e-30;
            if (!(std::fabs(static_cast<double>(C[ci]) - ref[ci]) <= tol)) ++bad;
        }
    return bad;
}

// Runs gemm on random data and checks every element of C; returns the number of bad elements.
int check(bool ta, bool tb, Case s, float alpha, float beta, uint64_t seed, int pad = 3) {
    const int lda = (ta ? s.M : s.K) + pad, ldb = (tb ? s.K : s.N) + pad, ldc = s.N + pad;
    std::vector<float> A(static_cast<size_t>(ta ? s.K : s.M) * lda), B(static_cast<size_t>(tb ? s.N : s.K) * ldb),
        C(static_cast<size_t>(s.M) * ldc);
    for (size_t i = 0; i < A.size(); ++i) A[i] = philox_uniform_at(seed, 0, i) * 2 - 1;
    for (size_t i = 0; i < B.size(); ++i) B[i] = philox_uniform_at(seed, 1, i) * 2 - 1;
    for (size_t i = 0; i < C.size(); ++i)
        C[i] = beta == 0.0f ? std::numeric_limits<float>::quiet_NaN() : philox_uniform_at(seed, 2, i) * 2 - 1;
    const std::vector<float> C0 = C;
    gemm(ta, tb, s.M, s.N, s.K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
    // ref = the reference's alpha·op(A)·op(B) + beta·C0; absdot[i, j] = Σ_k |op(A)[i, k]·op(B)[k, j]|.
    std::vector<float> ref = C0, absdot(C.size());
    reference::gemm(ta, tb, s.M, s.N, s.K, alpha, A.data(), lda, B.data(), ldb, beta, ref.data(), ldc);
    reference::gemm(ta, tb, s.M, s.N, s.K, 1.0f, absolute(A).data(), lda, absolute(B).data(), ldb, 0.0f,
                    absdot.data(), ldc);
    int bad = count_outside_bound(s, C, ref, absdot, ldc, alpha, beta, C0);
    // Padding columns of C beyond N must be untouched.
    for (int i = 0; i < s.M; ++i)
        for (int j = s.N; j < ldc; ++j) {
            const size_t ci = static_cast<size_t>(i) * ldc + j;
            if (!(C[ci] == C0[ci] || (std::isnan(C[ci]) && std::isnan(C0[ci])))) ++bad;
        }
    return bad;
}

void check_all_transposes(Case s, float alpha, float beta, uint64_t seed) {
    for (int t = 0; t < 4; ++t) {
        bool ta = t & 1, tb = t & 2;
        CAPTURE(s.M);
        CAPTURE(s.N);
        CAPTURE(s.K);
        CAPTURE(ta);
        CAPTURE(tb);
        CAPTURE(alpha);
        CAPTURE(beta);
        CHECK(check(ta, tb, s, alpha, beta, seed + t) == 0);
    }
}

}  // namespace

TEST_CASE("gemm: tiny and ragged shapes, all transposes, alpha and beta") {
    const Case shapes[] = {{1, 1, 1},   {7, 13, 5},  {1, 50, 3},   {50, 1, 3},   {8, 48, 16},  {9, 49, 17},
                           {16, 96, 1}, {17, 95, 2}, {5, 200, 40}, {33, 47, 29}, {3, 3, 300}, {2, 100, 513}};
    const float ab[][2] = {{1.0f, 0.0f}, {0.5f, 1.0f}, {-2.0f, 0.25f}};
    uint64_t seed = 1;
    for (const auto& s : shapes)
        for (const auto& p : ab) check_all_transposes(s, p[0], p[1], seed += 4);
}

TEST_CASE("gemm: shapes that cross the cache blocks and use both threads") {
    // M beyond one MC block, N beyond one NC block, K beyond one KC slice, and a split along M.
    const Case shapes[] = {{201, 70, 260}, {9, 4000, 20}, {300, 20, 40}};
    uint64_t seed = 100;
    for (const auto& s : shapes) check_all_transposes(s, 1.0f, 0.5f, seed += 4);
}

TEST_CASE("gemm: the paper network's shapes (one 49x49 image, batch 8 FC)") {
    const Case conv_fwd{32, 49 * 49, 288}, conv_bwd_data{288, 49 * 49, 32}, conv_bwd_weight{32, 288, 49 * 49},
        conv1_fwd{32, 49 * 49, 9}, fc1{8, 64, 4608}, fc2{8, 2, 64};
    CHECK(check(false, false, conv_fwd, 1.0f, 0.0f, 200) == 0);
    CHECK(check(false, false, conv1_fwd, 1.0f, 0.0f, 201) == 0);
    CHECK(check(true, false, conv_bwd_data, 1.0f, 0.0f, 202) == 0);
    CHECK(check(false, true, conv_bwd_weight, 1.0f, 1.0f, 203) == 0);
    CHECK(check(false, true, fc1, 1.0f, 0.0f, 204) == 0);
    CHECK(check(true, false, Case{64, 4608, 8}, 1.0f, 1.0f, 205) == 0);  // fc1 weight gradient
    CHECK(check(false, false, Case{8, 4608, 64}, 1.0f, 0.0f, 206) == 0);  // fc1 input gradient
    CHECK(check(false, true, fc2, 1.0f, 0.0f, 207) == 0);
}

TEST_CASE("gemm: degenerate sizes and calls from inside a parallel region") {
    CHECK(check(false, false, Case{4, 5, 0}, 1.0f, 0.0f, 300) == 0);  // K = 0: C = beta·C
    CHECK(check(false, false, Case{4, 5, 0}, 1.0f, 2.0f, 301) == 0);
    CHECK(check(true, true, Case{6, 7, 8}, 0.0f, 0.5f, 302) == 0);   // alpha = 0
    float c = 1.0f;
    gemm(false, false, 0, 1, 1, 1.0f, nullptr, 1, nullptr, 1, 0.0f, &c, 1);  // M = 0: nothing
    CHECK(c == 1.0f);
    int bad = 0;
#pragma omp parallel for reduction(+ : bad)
    for (int i = 0; i < 4; ++i) bad += check(i & 1, i & 2, Case{40, 300, 70}, 1.0f, 0.0f, 310 + i);
    CHECK(bad == 0);
}

TEST_CASE("gemm_offset_rows: B's rows read in place at arbitrary, overlapping offsets") {
    // Row k of B starts at data + offset[k]: overlapping rows (the convolution's shifted image
    // rows) in a seeded order, ragged M and N, K beyond one KC slice. Checked against the
    // reference on the explicit B with the bound of the header.
    for (Case s : {Case{5, 7, 3}, Case{32, 2401, 288}, Case{9, 97, 300}, Case{40, 50, 9}}) {
        CAPTURE(s.M);
        CAPTURE(s.N);
        CAPTURE(s.K);
        const uint64_t seed = 400 + s.K;
        std::vector<float> A(static_cast<size_t>(s.M) * s.K), data(static_cast<size_t>(3 * s.K + s.N));
        std::vector<long> offset(s.K);
        for (size_t i = 0; i < A.size(); ++i) A[i] = philox_uniform_at(seed, 0, i) * 2 - 1;
        for (size_t i = 0; i < data.size(); ++i) data[i] = philox_uniform_at(seed, 1, i) * 2 - 1;
        for (int k = 0; k < s.K; ++k) offset[k] = static_cast<long>(philox_uniform_at(seed, 2, k) * 3 * s.K);
        std::vector<float> B(static_cast<size_t>(s.K) * s.N);
        for (int k = 0; k < s.K; ++k)
            for (int j = 0; j < s.N; ++j) B[static_cast<size_t>(k) * s.N + j] = data[offset[k] + j];
        const int ldc = s.N + 2;
        const std::vector<float> C0(static_cast<size_t>(s.M) * ldc, std::numeric_limits<float>::quiet_NaN());
        std::vector<float> C = C0, ref = C0, absdot = C0;
        gemm_offset_rows(s.M, s.N, s.K, A.data(), s.K, data.data(), offset.data(), C.data(), ldc);
        reference::gemm(false, false, s.M, s.N, s.K, 1.0f, A.data(), s.K, B.data(), s.N, 0.0f, ref.data(), ldc);
        reference::gemm(false, false, s.M, s.N, s.K, 1.0f, absolute(A).data(), s.K, absolute(B).data(), s.N, 0.0f,
                        absdot.data(), ldc);
        CHECK(count_outside_bound(s, C, ref, absdot, ldc, 1.0f, 0.0f, C0) == 0);
        int touched = 0;  // the padding columns of C stay as they were
        for (int i = 0; i < s.M; ++i) touched += !std::isnan(C[static_cast<size_t>(i) * ldc + s.N]);
        CHECK(touched == 0);
    }
}
