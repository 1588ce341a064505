// kernels/cuda/launch.h — the single place a kernel is launched.
//
//   launch(kernel, {grid, block, shmem_bytes, stream}, args...);
//
// Under nvcc this is `kernel<<<grid, block, shmem, stream>>>(args...)` followed by a launch
// error check; under the CPU emulation it hands the kernel, with its arguments converted to the
// kernel's parameter types exactly as a real launch does, to the emulator's scheduler. No other
// file uses <<<>>>, so the two builds cannot drift apart. A failed launch throws mcseg::Error
// naming the file:line of the launch (captured by std::source_location).
#pragma once
#include <cstddef>
#include <source_location>
#include <tuple>
#include <utility>

#include "kernels/cuda/cuda_api.h"

namespace mcseg::cuda {

struct LaunchConfig {
    dim3 grid, block;
    size_t shmem;
    cudaStream_t stream;
    std::source_location where;
    LaunchConfig(dim3 g, dim3 b, size_t shmem_bytes, cudaStream_t s,
                 std::source_location w = std::source_location::current())
        : grid(g), block(b), shmem(shmem_bytes), stream(s), where(w) {}
};

template <typename... Params, typename... Args>
void launch(void (*kernel)(Params...), const LaunchConfig& cfg, Args&&... args) {
    static_assert(sizeof...(Params) == sizeof...(Args), "launch: wrong number of kernel arguments");
#if defined(MCSEG_CUDA_EMULATION)
    struct Call {
        void (*kernel)(Params...);
        std::tuple<Params...> params;
    } call{kernel, std::tuple<Params...>(std::forward<Args>(args)...)};
    emu::KernelBody body{[](const void* p) {
                             const Call* c = static_cast<const Call*>(p);
                             std::apply(c->kernel, c->params);
                         },
                         &call};
    check(emu::launch(cfg.grid, cfg.block, cfg.shmem, cfg.stream, body), "kernel launch",
          cfg.where.file_name(), int(cfg.where.line()));
#else
    kernel<<<cfg.grid, cfg.block, cfg.shmem, cfg.stream>>>(std::forward<Args>(args)...);
    check(cudaGetLastError(), "kernel launch", cfg.where.file_name(), int(cfg.where.line()));
#endif
}

}  // namespace mcseg::cuda
