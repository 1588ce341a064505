// tests/gpu/train_bench.cpp — the engine's speed on a real GPU for the paper's N=49 same net
// (32 filters): milliseconds per training step (forward in training mode, softmax
// cross-entropy, backward, Adam) at batch 256, and inference throughput (evaluation-mode
// forward, no autograd) in patches per second at batch 4096. The PyTorch peer
// (tests/gpu/torch_peer.py) measures the same two figures; tests/gpu/gpu_suite.sh takes the ratios.
// Prints one JSON object. Optional argument: --gemm cublas to run the linear layers on cuBLAS.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <random>

#include "engine/ops.h"
#include "engine/optim.h"
#include "kernels/cuda/cuda_backend.h"
#include "nets/network.h"

using namespace mcseg;

namespace {

Tensor random_patches(int n, int side, uint32_t seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<float> v(size_t(n) * side * side);
    for (float& x : v) x = u(gen);
    return Tensor::from_host({n, 1, side, side}, v, Device::CUDA);
}

// Seconds per call of fn: `warmup` untimed calls, then `reps` timed ones, GPU synchronised.
template <typename Fn>
double seconds_per_call(Fn fn, int warmup, int reps) {
    for (int i = 0; i < warmup; ++i) fn();
    cuda_backend().synchronize();
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < reps; ++i) fn();
    cuda_backend().synchronize();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        cuda::CudaBackend be(0);
        if (argc > 2 && !std::strcmp(argv[1], "--gemm") && !std::strcmp(argv[2], "cublas"))
            be.set_gemm(cuda::GemmImpl::Cublas);
        install_cuda_backend(&be);
        NetConfig cfg;  // N = 49, same, 32 filters, FC 64, dropout 0.5
        Network net(cfg, 1, Device::CPU);
        net.to(Device::CUDA);
        Adam adam(net.parameter_tensors(), 1e-3f);

        const int train_batch = 256, infer_batch = 4096;
        Tensor x = random_patches(train_batch, cfg.patch, 1);
        std::vector<float> lv(train_batch);
        for (int i = 0; i < train_batch; ++i) lv[size_t(i)] = float(i % 2);
        Tensor labels = Tensor::from_host({train_batch}, lv, Device::CUDA);
        uint64_t step = 0;
        double train_s = seconds_per_call(
            [&] {
                adam.zero_grad();
                Tensor loss = ops::softmax_cross_entropy(net.forward(x, true, ++step), labels);
                loss.backward();
                adam.step();
            },
            5, 30);

        Tensor xi = random_patches(infer_batch, cfg.patch, 2);
        NoGradGuard no_grad;
        double infer_s = seconds_per_call([&] { net.forward(xi, false); }, 3, 10);

        nlohmann::json j{{"device", be.name()},
                         {"gemm", be.gemm() == cuda::GemmImpl::Tiled ? "tiled" : "cublas"},
                         {"net", "N49 same, 32 filters"},
                         {"train_batch", train_batch},
                         {"train_step_ms", train_s * 1e3},
                         {"infer_batch", infer_batch},
                         {"infer_patches_per_s", infer_batch / infer_s},
                         {"allocator_reserved_bytes", be.reserved_bytes()},
                         {"allocator_malloc_calls", be.malloc_calls()}};
        std::cout << j.dump(2) << "\n";
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "train_bench: %s\n", e.what());
        return 2;
    }
}
