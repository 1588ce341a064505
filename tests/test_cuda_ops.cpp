// tests/test_cuda_ops.cpp — every Backend method of the CUDA backend against the CPU backend,
// on raw buffers, for the layer shapes of the paper's nets (N = 29, 39, 49; same and valid;
// 32 filters; small batches) and for edge cases (batch 1, sizes that are not multiples of the
// kernels' tiles, channel counts that do not fill a block, ties in max-pool windows).
// Outputs start as NaN on both sides, so an element a kernel forgets to write fails. Also:
// the caching allocator, and resolve_device / the lazily made CUDA backend (engine/backend.h).
// Under emulation, convolution and batch-norm results must also be bit-identical across thread
// orders (the kernels are deterministic).
//
// Tolerances (|cuda - cpu| <= atol + rtol·|cpu|): exact for fill, copy, mul, pooling, ReLU and
// dropout (same arithmetic); 1e-6 absolute for axpy (nvcc fuses its multiply-add); 1e-4/1e-4
// for convolutions, linear layers and batch norm, whose sums run in a different order (1e-3
// absolute for the weight gradients: sums over the whole batch of O(10) magnitude); 1e-6
// relative for softmax (GPU expf/logf are within 2 ulp) and the optimisers.
#include <algorithm>
#include <set>
#include <tuple>

#include "engine/error.h"
#include "tests/test_cuda_common.h"

using namespace mcseg;
using namespace mcseg::test;

namespace {

// The distinct conv layer shapes of the paper's nets for N in {29, 39, 49}, same and valid.
std::vector<Conv3x3Shape> paper_conv_shapes(int batch) {
    std::set<std::tuple<int, int, int>> seen;  // (c_in, side, pad)
    std::vector<Conv3x3Shape> shapes;
    for (int N : {29, 39, 49})
        for (int pad : {1, 0}) {
            int side = N;
            for (int layer = 1; layer <= 6; ++layer) {
                int c_in = layer == 1 ? 1 : 32;
                if (side < 3 && pad == 0) break;
                if (seen.insert({c_in, side, pad}).second)
                    shapes.push_back({batch, c_in, side, side, 32, pad});
                side = side + 2 * pad - 2;
                if (layer <= 2) side /= 2;
            }
        }
    return shapes;
}

void check_conv(const Conv3x3Shape& s) {
    INFO("conv n=", s.n, " c_in=", s.c_in, " h=", s.h, " w=", s.w, " c_out=", s.c_out, " pad=", s.pad);
    size_t nx = size_t(s.n) * s.c_in * s.h * s.w, nw = size_t(s.c_out) * s.c_in * 9;
    size_t ny = size_t(s.n) * s.c_out * s.h_out() * s.w_out();
    Pair x(nx, random_vector(nx, 1)), w(nw, random_vector(nw, 2, -0.2f, 0.2f)),
        b(size_t(s.c_out), random_vector(size_t(s.c_out), 3)), dy(ny, random_vector(ny, 4));
    SameBitsEveryOrder same;
    for_each_thread_order([&] {
        Pair y(ny), dx(nx), dw(nw), db(size_t(s.c_out));
        cpu_backend().conv3x3_forward(s, x.cpu(), w.cpu(), b.cpu(), y.cpu());
        cuda_under_test().conv3x3_forward(s, x.gpu(), w.gpu(), b.gpu(), y.gpu());
        expect_close("conv3x3_forward", y, 1e-4f, 1e-4f);
        Pair yr(ny);
        Conv3x3Shape fused = s;
        fused.relu = true;
        cpu_backend().conv3x3_forward(fused, x.cpu(), w.cpu(), b.cpu(), yr.cpu());
        cuda_under_test().conv3x3_forward(fused, x.gpu(), w.gpu(), b.gpu(), yr.gpu());
        expect_close("conv3x3_forward with relu", yr, 1e-4f, 1e-4f);
        cpu_backend().conv3x3_backward_input(s, dy.cpu(), w.cpu(), dx.cpu());
        cuda_under_test().conv3x3_backward_input(s, dy.gpu(), w.gpu(), dx.gpu());
        expect_close("conv3x3_backward_input", dx, 1e-4f, 1e-4f);
        cpu_backend().conv3x3_backward_weight(s, x.cpu(), dy.cpu(), dw.cpu(), db.cpu());
        cuda_under_test().conv3x3_backward_weight(s, x.gpu(), dy.gpu(), dw.gpu(), db.gpu());
        expect_close("conv3x3_backward_weight dweight", dw, 1e-3f, 1e-4f);
        expect_close("conv3x3_backward_weight dbias", db, 1e-3f, 1e-4f);
        same.check("conv3x3_forward", y);
        same.check("conv3x3_backward_input", dx);
        same.check("conv3x3_backward_weight dweight", dw);
        same.check("conv3x3_backward_weight dbias", db);
    });
}

void check_pool(const Pool2x2Shape& s, bool ties) {
    INFO("pool n=", s.n, " c=", s.c, " h=", s.h, " w=", s.w, std::string(ties ? " (ties)" : ""));
    size_t nx = size_t(s.n) * s.c * s.h * s.w, ny = size_t(s.n) * s.c * s.h_out() * s.w_out();
    std::vector<float> xv = random_vector(nx, 5);
    if (ties)  // three values only: most windows hold repeated maxima
        for (float& v : xv) v = std::round(v);
    Pair x(nx, xv), dy(ny, random_vector(ny, 6));
    for_each_thread_order([&] {
        Pair y(ny), dx(nx);
        cpu_backend().maxpool2x2_forward(s, x.cpu(), y.cpu());
        cuda_under_test().maxpool2x2_forward(s, x.gpu(), y.gpu());
        expect_close("maxpool2x2_forward", y, 0, 0);
        cpu_backend().maxpool2x2_backward(s, x.cpu(), dy.cpu(), dx.cpu());
        cuda_under_test().maxpool2x2_backward(s, x.gpu(), dy.gpu(), dx.gpu());
        expect_close("maxpool2x2_backward", dx, 0, 0);
    });
}

void check_batchnorm(const BatchNormShape& s) {
    INFO("batchnorm n=", s.n, " c=", s.c, " hw=", s.hw);
    size_t nx = size_t(s.n) * s.c * s.hw, nc = size_t(s.c);
    std::vector<float> xv = random_vector(nx, 7, -2.0f, 3.0f);
    Pair x(nx, xv), dy(nx, random_vector(nx, 8)), gamma(nc, random_vector(nc, 9, 0.5f, 1.5f)),
        beta(nc, random_vector(nc, 10));
    SameBitsEveryOrder same;
    for_each_thread_order([&] {
        Pair y(nx), mean(nc), invstd(nc), rmean(nc, random_vector(nc, 11)),
            rvar(nc, random_vector(nc, 12, 0.5f, 2.0f)), dx(nx), dgamma(nc), dbeta(nc);
        cpu_backend().batchnorm_forward_train(s, x.cpu(), gamma.cpu(), beta.cpu(), 1e-5f, 0.1f,
                                              y.cpu(), mean.cpu(), invstd.cpu(), rmean.cpu(),
                                              rvar.cpu());
        cuda_under_test().batchnorm_forward_train(s, x.gpu(), gamma.gpu(), beta.gpu(), 1e-5f, 0.1f,
                                                  y.gpu(), mean.gpu(), invstd.gpu(), rmean.gpu(),
                                                  rvar.gpu());
        expect_close("batchnorm train y", y, 1e-4f, 1e-4f);
        expect_close("batchnorm save_mean", mean, 1e-5f, 1e-5f);
        expect_close("batchnorm save_invstd", invstd, 1e-5f, 1e-5f);
        expect_close("batchnorm running_mean", rmean, 1e-5f, 1e-5f);
        expect_close("batchnorm running_var", rvar, 1e-5f, 1e-5f);

        cpu_backend().batchnorm_backward(s, x.cpu(), dy.cpu(), gamma.cpu(), mean.cpu(),
                                         invstd.cpu(), dx.cpu(), dgamma.cpu(), dbeta.cpu());
        cuda_under_test().batchnorm_backward(s, x.gpu(), dy.gpu(), gamma.gpu(), mean.gpu(),
                                             invstd.gpu(), dx.gpu(), dgamma.gpu(), dbeta.gpu());
        expect_close("batchnorm backward dx", dx, 1e-4f, 1e-4f);
        expect_close("batchnorm backward dgamma", dgamma, 1e-3f, 1e-4f);
        expect_close("batchnorm backward dbeta", dbeta, 1e-3f, 1e-4f);
        same.check("batchnorm backward dx", dx);
        same.check("batchnorm backward dgamma", dgamma);
        same.check("batchnorm running_var", rvar);

        cpu_backend().batchnorm_forward_eval(s, x.cpu(), gamma.cpu(), beta.cpu(), rmean.cpu(),
                                             rvar.cpu(), 1e-5f, y.cpu());
        cuda_under_test().batchnorm_forward_eval(s, x.gpu(), gamma.gpu(), beta.gpu(), rmean.gpu(),
                                                 rvar.gpu(), 1e-5f, y.gpu());
        expect_close("batchnorm eval y", y, 1e-5f, 1e-5f);
    });
}

void check_linear(const LinearShape& s) {
    INFO("linear n=", s.n, " in=", s.in, " out=", s.out);
    size_t nx = size_t(s.n) * s.in, nw = size_t(s.out) * s.in, ny = size_t(s.n) * s.out;
    Pair x(nx, random_vector(nx, 13)), w(nw, random_vector(nw, 14, -0.1f, 0.1f)),
        b(size_t(s.out), random_vector(size_t(s.out), 15)), dy(ny, random_vector(ny, 16));
    for (cuda::GemmImpl impl : {cuda::GemmImpl::Tiled, cuda::GemmImpl::Cublas}) {
        cuda_under_test().set_gemm(impl);
        INFO(std::string(impl == cuda::GemmImpl::Tiled ? "tiled gemm" : "cuBLAS"));
        for_each_thread_order([&] {
            Pair y(ny), dx(nx), dw(nw), db(size_t(s.out));
            cpu_backend().linear_forward(s, x.cpu(), w.cpu(), b.cpu(), y.cpu());
            cuda_under_test().linear_forward(s, x.gpu(), w.gpu(), b.gpu(), y.gpu());
            expect_close("linear_forward", y, 1e-4f, 1e-4f);
            cpu_backend().linear_backward_input(s, dy.cpu(), w.cpu(), dx.cpu());
            cuda_under_test().linear_backward_input(s, dy.gpu(), w.gpu(), dx.gpu());
            expect_close("linear_backward_input", dx, 1e-4f, 1e-4f);
            cpu_backend().linear_backward_weight(s, x.cpu(), dy.cpu(), dw.cpu(), db.cpu());
            cuda_under_test().linear_backward_weight(s, x.gpu(), dy.gpu(), dw.gpu(), db.gpu());
            expect_close("linear_backward_weight dweight", dw, 1e-4f, 1e-4f);
            expect_close("linear_backward_weight dbias", db, 1e-4f, 1e-4f);
        });
    }
    cuda_under_test().set_gemm(cuda::GemmImpl::Tiled);
}

}  // namespace

TEST_CASE("cuda: backend identifies itself") {
    std::string name = cuda_under_test().name();
    CHECK(cuda_under_test().device() == Device::CUDA);
#if defined(MCSEG_CUDA_EMULATION)
    CHECK(name.find("emulated") != std::string::npos);
#endif
    CHECK(&cuda_backend() == &cuda_under_test());
}

TEST_CASE("cuda: memory, copies, fill, axpy, mul, relu match the cpu backend") {
    const size_t n = 10007;  // not a multiple of any block size
    Pair a(n, random_vector(n, 20)), b(n, random_vector(n, 21));
    for_each_thread_order([&] {
        Pair y(n), z(n, random_vector(n, 22)), c(n);
        cpu_backend().fill(y.cpu(), n, 0.25f);
        cuda_under_test().fill(y.gpu(), n, 0.25f);
        expect_close("fill", y, 0, 0);
        cpu_backend().axpy(z.cpu(), a.cpu(), n, -1.5f);
        cuda_under_test().axpy(z.gpu(), a.gpu(), n, -1.5f);
        expect_close("axpy", z, 1e-6f, 0);  // a GPU fuses the multiply-add: 1 ulp
        cpu_backend().mul(y.cpu(), a.cpu(), b.cpu(), n);
        cuda_under_test().mul(y.gpu(), a.gpu(), b.gpu(), n);
        expect_close("mul", y, 0, 0);
        cpu_backend().copy(c.cpu(), a.cpu(), n * sizeof(float));
        cuda_under_test().copy(c.gpu(), a.gpu(), n * sizeof(float));
        expect_close("copy", c, 0, 0);
        cpu_backend().relu_forward(a.cpu(), y.cpu(), n);
        cuda_under_test().relu_forward(a.gpu(), y.gpu(), n);
        expect_close("relu_forward", y, 0, 0);
        cpu_backend().relu_backward(y.cpu(), b.cpu(), c.cpu(), n);
        cuda_under_test().relu_backward(y.gpu(), b.gpu(), c.gpu(), n);
        expect_close("relu_backward", c, 0, 0);
    });
    cuda_under_test().synchronize();
}

TEST_CASE("cuda: relu passes NaN through and keeps infinities, as the cpu backend") {
    const std::vector<float> special = {std::nanf(""), -std::nanf(""), INFINITY, -INFINITY, -0.0f,
                                        0.0f, 1e-45f, -1e-45f, 3.0f, -3.0f};
    const size_t n = special.size();
    Pair x(n, special), y(n);
    cpu_backend().relu_forward(x.cpu(), y.cpu(), n);
    cuda_under_test().relu_forward(x.gpu(), y.gpu(), n);
    const std::vector<float> a = y.cpu_host(), b = y.gpu_host();
    for (size_t i = 0; i < n; ++i) {
        INFO("relu(", special[i], "): cpu ", a[i], " cuda ", b[i]);
        CHECK((std::isnan(a[i]) ? std::isnan(b[i]) : a[i] == b[i]));
    }
    CHECK(std::isnan(b[0]));
}

TEST_CASE("cuda: caching allocator reuses freed blocks") {
    auto& be = cuda_under_test();
    void* p = be.allocate(1000);
    be.deallocate(p, 1000);
    size_t calls = be.malloc_calls();
    void* q = be.allocate(900);  // same size class
    CHECK(q == p);
    CHECK(be.malloc_calls() == calls);
    be.deallocate(q, 900);
}

TEST_CASE("cuda: conv3x3 forward/backward on the paper's layer shapes") {
    for (const Conv3x3Shape& s : paper_conv_shapes(2)) check_conv(s);
}

TEST_CASE("cuda: conv3x3 edge cases (batch 1, partial tiles and channel groups)") {
    check_conv({1, 3, 17, 5, 5, 1});
    check_conv({3, 6, 3, 3, 9, 0});
    check_conv({1, 2, 1, 1, 1, 1});
    check_conv({2, 5, 33, 18, 11, 0});
}

TEST_CASE("cuda: maxpool2x2 forward/backward, odd sizes and ties") {
    for (int side : {49, 47, 24, 23, 21, 19, 14})
        check_pool({2, 32, side, side}, false);
    check_pool({1, 3, 7, 4}, true);
    check_pool({2, 5, 24, 23}, true);
    check_pool({1, 1, 1, 3}, false);  // no complete window: dx all zero
}

TEST_CASE("cuda: batchnorm train/eval/backward, conv maps and FC features") {
    check_batchnorm({2, 32, 49 * 49});
    check_batchnorm({4, 32, 12 * 12});
    check_batchnorm({4, 64, 1});
    check_batchnorm({1, 3, 5});
    check_batchnorm({3, 2, 9000});  // several partial-sum chunks per channel
}

TEST_CASE("cuda: linear forward/backward, tiled gemm and cuBLAS") {
    check_linear({4, 32 * 12 * 12, 64});  // fc1, N = 49 same
    check_linear({4, 32 * 2 * 2, 64});    // fc1, N = 49 valid
    check_linear({4, 64, 2});             // fc2
    check_linear({1, 3, 5});
    check_linear({70, 130, 67});          // not multiples of the 64×64×16 tile
}

TEST_CASE("cuda: dropout mask is bit-identical to the cpu backend") {
    for (float p : {0.5f, 0.25f})
        for (size_t n : {size_t(1), size_t(7), size_t(4097)}) {
            for_each_thread_order([&] {
                Pair m(n);
                cpu_backend().dropout_mask(m.cpu(), n, p, 42, 7);
                cuda_under_test().dropout_mask(m.gpu(), n, p, 42, 7);
                expect_close("dropout_mask", m, 0, 0);
            });
        }
}

TEST_CASE("cuda: fused softmax cross-entropy forward/backward") {
    for (auto [n, k] : {std::pair{5, 2}, std::pair{300, 2}, std::pair{33, 3}}) {
        INFO("softmax n=", n, " k=", k);
        std::vector<float> labels(static_cast<size_t>(n));
        for (int i = 0; i < n; ++i) labels[size_t(i)] = float((i * 7 + 3) % k);
        size_t nk = size_t(n) * k;
        Pair logits(nk, random_vector(nk, 30, -4.0f, 4.0f)), lab(size_t(n), labels),
            dloss(1, {0.7f});
        for_each_thread_order([&] {
            Pair probs(nk), loss(1), dlogits(nk);
            cpu_backend().softmax_xent_forward(n, k, logits.cpu(), lab.cpu(), probs.cpu(), loss.cpu());
            cuda_under_test().softmax_xent_forward(n, k, logits.gpu(), lab.gpu(), probs.gpu(),
                                                   loss.gpu());
            expect_close("softmax probs", probs, 1e-7f, 1e-6f);
            expect_close("cross-entropy loss", loss, 1e-6f, 1e-6f);
            cpu_backend().softmax_xent_backward(n, k, probs.cpu(), lab.cpu(), dloss.cpu(), dlogits.cpu());
            cuda_under_test().softmax_xent_backward(n, k, probs.gpu(), lab.gpu(), dloss.gpu(),
                                                    dlogits.gpu());
            expect_close("softmax backward", dlogits, 1e-7f, 1e-6f);
        });
    }
}

TEST_CASE("cuda: adam and sgd updates") {
    const size_t n = 3001;
    Pair grad(n, random_vector(n, 40));
    for_each_thread_order([&] {
        Pair p(n, random_vector(n, 41)), m(n, std::vector<float>(n, 0.0f)),
            v(n, std::vector<float>(n, 0.0f));
        for (int64_t step = 1; step <= 3; ++step) {
            cpu_backend().adam_step(n, p.cpu(), grad.cpu(), m.cpu(), v.cpu(), 1e-3f, 0.9f, 0.999f,
                                    1e-8f, step);
            cuda_under_test().adam_step(n, p.gpu(), grad.gpu(), m.gpu(), v.gpu(), 1e-3f, 0.9f,
                                        0.999f, 1e-8f, step);
        }
        expect_close("adam param", p, 1e-7f, 1e-6f);
        expect_close("adam m", m, 1e-7f, 1e-6f);
        expect_close("adam v", v, 1e-7f, 1e-6f);

        Pair q(n, random_vector(n, 42)), vel(n, std::vector<float>(n, 0.0f));
        for (int step = 0; step < 3; ++step) {
            cpu_backend().sgd_step(n, q.cpu(), grad.cpu(), vel.cpu(), 0.01f, 0.9f);
            cuda_under_test().sgd_step(n, q.gpu(), grad.gpu(), vel.gpu(), 0.01f, 0.9f);
            cpu_backend().sgd_step(n, q.cpu(), grad.cpu(), nullptr, 0.01f, 0.0f);
            cuda_under_test().sgd_step(n, q.gpu(), grad.gpu(), nullptr, 0.01f, 0.0f);
        }
        expect_close("sgd param", q, 1e-7f, 1e-6f);
        expect_close("sgd velocity", vel, 1e-7f, 1e-6f);
    });
}

namespace {
int g_factory_calls = 0;
Backend* no_gpu_factory() {
    ++g_factory_calls;
    return nullptr;
}
Backend* test_gpu_factory() {
    ++g_factory_calls;
    return &cuda_under_test();
}
}  // namespace

TEST_CASE("cuda: resolve_device and the lazily made CUDA backend") {
    cuda_under_test();
    CHECK(resolve_device("cpu") == Device::CPU);
    CHECK(resolve_device("cuda") == Device::CUDA);
    CHECK(resolve_device("auto") == Device::CUDA);
    CHECK_THROWS_AS(resolve_device("gpu"), Error);

    install_cuda_backend(nullptr);  // as in a build whose factory finds no device
    g_factory_calls = 0;
    install_cuda_backend_factory(&no_gpu_factory);
    CHECK(resolve_device("auto") == Device::CPU);
    CHECK_THROWS_WITH_AS(resolve_device("cuda"), doctest::Contains("no CUDA backend"), Error);
    CHECK(g_factory_calls == 1);  // asked once, not on every call

    install_cuda_backend_factory(&test_gpu_factory);  // a device appears: made on first use
    CHECK(g_factory_calls == 1);
    CHECK(cuda_available());
    CHECK(&cuda_backend() == &cuda_under_test());
    CHECK(g_factory_calls == 2);
}
