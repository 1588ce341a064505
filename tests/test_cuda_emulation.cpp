// tests/test_cuda_emulation.cpp — the CUDA-on-CPU emulation layer itself (kernels/cuda/emu):
// barriers, the thread-order switch, shuffles, atomics, dynamic shared memory, deadlock
// detection and launch checks.
// The key test: a kernel with a deliberately missing __syncthreads() passes in forward order by
// luck and is caught by the reverse and random orders, which proves the order switch exposes
// missing barriers. Emulation-only (the GPU test executable leaves this file's tests out).
#include <doctest/doctest.h>

#if defined(MCSEG_CUDA_EMULATION)
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <numeric>
#include <vector>

#include "engine/error.h"
#include "kernels/cuda/launch.h"

using namespace mcseg;
using namespace mcseg::cuda;

namespace {

// out[i] = in[i - 1] within each block (in[i] for the block's first thread), through shared
// memory. With `with_barrier` false the barrier between the write and the read is missing.
__global__ void shift_kernel(const int* in, int* out, bool with_barrier) {
    MCSEG_DYNAMIC_SHARED(int, s);
    unsigned t = threadIdx.x, i = blockIdx.x * blockDim.x + t;
    s[t] = in[i];
    if (with_barrier) __syncthreads();
    out[i] = s[t == 0 ? 0 : t - 1];
}

std::vector<int> run_shift(bool with_barrier, emu::ThreadOrder order) {
    emu::set_thread_order(order, 99);
    const unsigned blocks = 4, threads = 128;
    std::vector<int> in(blocks * threads), out(in.size(), 0);
    std::iota(in.begin(), in.end(), 1000);
    launch(shift_kernel, {blocks, threads, threads * sizeof(int), nullptr}, in.data(), out.data(),
           with_barrier);
    emu::set_thread_order(emu::ThreadOrder::Forward);
    std::vector<int> expected(in.size());
    for (size_t i = 0; i < in.size(); ++i) expected[i] = in[i % threads == 0 ? i : i - 1];
    std::vector<int> wrong;
    for (size_t i = 0; i < in.size(); ++i)
        if (out[i] != expected[i]) wrong.push_back(int(i));
    return wrong;
}

// Warp reductions and broadcasts with every shuffle flavour; 2-D block to exercise lanes.
__global__ void shuffle_kernel(const float* in, float* sum_down, float* sum_xor, float* bcast) {
    unsigned t = threadIdx.y * blockDim.x + threadIdx.x;
    size_t i = size_t(blockIdx.x) * blockDim.x * blockDim.y + t;
    float v = in[i], a = v, b = v;
    for (int o = 16; o > 0; o /= 2) a += __shfl_down_sync(0xffffffffu, a, o);
    for (int o = 1; o < 32; o *= 2) b += __shfl_xor_sync(0xffffffffu, b, o);
    if (t % 32 == 0) sum_down[i / 32] = a;
    sum_xor[i] = b;
    bcast[i] = __shfl_sync(0xffffffffu, v, 5);
}

// Only warp 0 reduces: the other warps are parked at the block barrier or finished, which must
// not block warp-level shuffles (the block_sum pattern).
__global__ void one_warp_kernel(const float* in, float* out) {
    __shared__ float partial[8];
    unsigned t = threadIdx.x;
    float v = in[blockIdx.x * blockDim.x + t];
    if (t % 32 == 0) partial[t / 32] = v;
    __syncthreads();
    if (t < 32) {
        float w = t < blockDim.x / 32 ? partial[t] : 0.0f;
        for (int o = 16; o > 0; o /= 2) w += __shfl_down_sync(0xffffffffu, w, o);
        if (t == 0) out[blockIdx.x] = w;
    }
}

__global__ void atomic_kernel(int* counter, unsigned* maximum, float* fsum) {
    unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
    atomicAdd(counter, 1);
    atomicMax(maximum, i);
    atomicAdd(fsum, 0.5f);
}

__global__ void index_kernel(unsigned* out) {
    unsigned block = (blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
    unsigned thread = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;
    out[block * blockDim.x * blockDim.y * blockDim.z + thread] = block * 1000 + thread;
}

__global__ void noop_kernel() {}

// Even threads wait at the block barrier while odd threads wait for their warp: neither can
// complete (on a GPU, undefined behaviour, typically a hang). Threads that have exited count as
// arrived, as on current GPUs, so the deadlock needs two different barriers.
__global__ void divergent_barrier_kernel(int* out) {
    if (threadIdx.x % 2 == 0) __syncthreads();
    else __syncwarp();
    out[threadIdx.x] = 1;
}

}  // namespace

TEST_CASE("cuda emu: a missing __syncthreads passes forward and is caught by reverse/random order") {
    CHECK(run_shift(true, emu::ThreadOrder::Forward).empty());
    CHECK(run_shift(true, emu::ThreadOrder::Reverse).empty());
    CHECK(run_shift(true, emu::ThreadOrder::Random).empty());
    CHECK(run_shift(false, emu::ThreadOrder::Forward).empty());  // wrong kernel, right by luck
    CHECK(run_shift(false, emu::ThreadOrder::Reverse).size() == 4 * 127);
    CHECK(!run_shift(false, emu::ThreadOrder::Random).empty());
}

TEST_CASE("cuda emu: warp shuffles (down, xor, broadcast) and warp-only reductions") {
    const unsigned blocks = 3;
    const dim3 block(16, 8);  // 128 threads = 4 warps per block
    const size_t n = blocks * 128;
    std::vector<float> in(n), down(n / 32, -1), xr(n, -1), bc(n, -1), one(blocks, -1);
    for (size_t i = 0; i < n; ++i) in[i] = float(i % 37) - 11.0f;
    for (auto order : {emu::ThreadOrder::Forward, emu::ThreadOrder::Reverse, emu::ThreadOrder::Random}) {
        emu::set_thread_order(order, 3);
        launch(shuffle_kernel, {blocks, block, 0, nullptr}, in.data(), down.data(), xr.data(), bc.data());
        launch(one_warp_kernel, {blocks, 128, 0, nullptr}, in.data(), one.data());
        for (size_t w = 0; w < n / 32; ++w) {
            float s = 0;
            for (size_t l = 0; l < 32; ++l) s += in[w * 32 + l];
            CHECK(down[w] == s);
            for (size_t l = 0; l < 32; ++l) {
                CHECK(xr[w * 32 + l] == s);
                CHECK(bc[w * 32 + l] == in[w * 32 + 5]);
            }
        }
        for (unsigned b = 0; b < blocks; ++b) {
            float s = 0;
            for (unsigned w = 0; w < 4; ++w) s += in[b * 128 + w * 32];
            CHECK(one[b] == s);
        }
    }
    emu::set_thread_order(emu::ThreadOrder::Forward);
}

TEST_CASE("cuda emu: atomics are exact across blocks running on several OS threads") {
    int counter = 0;
    unsigned maximum = 0;
    float fsum = 0.0f;
    launch(atomic_kernel, {64, 256, 0, nullptr}, &counter, &maximum, &fsum);
    CHECK(counter == 64 * 256);
    CHECK(maximum == 64 * 256 - 1);
    CHECK(fsum == 0.5f * 64 * 256);
}

TEST_CASE("cuda emu: 3-D grids and blocks give every thread its own indices") {
    const dim3 grid(3, 2, 2), block(4, 3, 2);
    std::vector<unsigned> out(12 * 24, 0xFFFFFFFFu);
    launch(index_kernel, {grid, block, 0, nullptr}, out.data());
    for (unsigned b = 0; b < 12; ++b)
        for (unsigned t = 0; t < 24; ++t) CHECK(out[b * 24 + t] == b * 1000 + t);
}

TEST_CASE("cuda emu: a divergent __syncthreads is reported as a deadlock, not a hang") {
    // The emulator aborts with a message; run the launch in a child process. One block runs on
    // the calling thread, so the child needs none of the parent's pool threads.
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        std::signal(SIGABRT, SIG_DFL);  // not doctest's crash handler: just die
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        std::vector<int> out(64, 0);
        launch(divergent_barrier_kernel, {1, 64, 0, nullptr}, out.data());
        _exit(0);  // not reached when the deadlock is detected
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGABRT);
}

TEST_CASE("cuda emu: invalid launch configurations throw with the launch's file:line") {
    CHECK_THROWS_WITH_AS(launch(noop_kernel, {1, 2048, 0, nullptr}),
                         doctest::Contains("test_cuda_emulation.cpp"), Error);
    CHECK_THROWS_AS(launch(noop_kernel, {1, 32, 64 * 1024, nullptr}), Error);
    CHECK_THROWS_AS(launch(noop_kernel, {0, 32, 0, nullptr}), Error);
    launch(noop_kernel, {1, 32, 0, nullptr});  // and the error does not stick
}
#endif
