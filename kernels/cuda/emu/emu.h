// kernels/cuda/emu/emu.h — CUDA on the CPU: the subset of CUDA C++ that the project's kernels
// use, implemented so that g++ compiles kernels/cuda/*.cu unchanged and runs them on the host.
//
// Why: the development machines and CI have nvcc but no GPU. Compiling the same kernel sources
// against this header lets every test run every kernel, and compare it with the CPU backend.
//
// Mechanism (as in HIP-CPU / cuda4cpu):
//   * a launch spreads its blocks over a pool of OS threads (one per core, or MCSEG_EMU_THREADS);
//     a block runs entirely on one OS thread;
//   * each CUDA thread of a block is a fiber with its own small stack (64 KiB + a guard page),
//     switched by a hand-written x86-64 context switch (a handful of instructions, no syscall);
//     fibers are pooled per OS thread and reused: a thread that never reaches a barrier runs to
//     completion and hands its fiber to the next thread, so barrier-free kernels cost two
//     switches per CUDA thread;
//   * __syncthreads() parks the fiber until every live thread of the block has arrived;
//     __syncwarp() and the shuffles park it until every live lane of its warp has arrived;
//   * __shared__ is `static thread_local` (one copy per OS thread; a block
//     never leaves its OS thread, and blocks on one OS thread run one after another);
//   * dynamic shared memory is per-block storage, poisoned with NaN bytes before every block;
//   * shuffles write the lane's value into a per-warp scratch area between two warp barriers;
//   * atomics are host atomics (std::atomic_ref), correct across the OS threads;
//   * memory, streams and events map to host memory, in-order execution and wall-clock time;
//     cublasSgemm calls the project's CPU gemm (kernels/cpu/gemm.h).
// The order in which the scheduler runs the threads of a block between barriers is selectable
// (forward, reverse, or a seeded random permutation per block and phase; environment variable
// MCSEG_EMU_ORDER=forward|reverse|random[:seed], or set_thread_order()), so that a kernel that
// relies on a missing barrier gives different results under different orders.
//
// Supported subset (anything else fails to compile or link under emulation):
//   qualifiers   __global__ __device__ __host__ __forceinline__ __restrict__ __shared__
//                __launch_bounds__(...)
//   builtins     threadIdx blockIdx blockDim gridDim warpSize
//   dynamic smem MCSEG_DYNAMIC_SHARED(type, name) (kernels/cuda/cuda_api.h); a plain
//                `extern __shared__` array does not compile
//   sync         __syncthreads() __syncwarp(mask)
//   shuffles     __shfl_sync __shfl_down_sync __shfl_xor_sync on 4- and 8-byte trivially
//                copyable types; the mask must name every live lane of the warp (otherwise
//                the emulator reports a deadlock); blocks using them are whole warps
//   atomics      atomicAdd (int, unsigned, unsigned long long, float, double) atomicSub
//                atomicMax atomicMin (int, unsigned) atomicExch atomicCAS (int, unsigned)
//   math         <cmath> functions plus rsqrtf __expf __logf __fdividef __saturatef
//   runtime      cudaMalloc cudaFree cudaMemcpy(Async) cudaMemset(Async) cudaStreamCreate
//                cudaStreamDestroy cudaStreamSynchronize cudaDeviceSynchronize cudaEvent*
//                cudaGetLastError cudaGetErrorString cudaGetDeviceCount cudaSetDevice
//                cudaGetDeviceProperties(name only)
//   cuBLAS       cublasCreate cublasDestroy cublasSetStream cublasSgemm
// Not supported (no definition, so using one is a compile error): __constant__, __managed__,
// textures, __ldg, cooperative groups, __ballot_sync / __any_sync / __shfl_up_sync and friends,
// dynamic parallelism, cudaMallocManaged, cudaMemcpyToSymbol, `<<<...>>>` (all launches go
// through kernels/cuda/launch.h). kernels/cuda/emu/reject/ holds one snippet per such case;
// ctest checks that each fails to compile (and that a control snippet compiles).
// Limits checked at launch, as on a GPU: at most 1024 threads per block, at most 48 KiB of
// dynamic shared memory, grid dimensions > 0.
#pragma once
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#ifndef MCSEG_CUDA_EMULATION
#error "kernels/cuda/emu/emu.h is the CPU emulation of CUDA; build with MCSEG_CUDA_EMULATION=1"
#endif

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __shared__ static thread_local  // `static` makes `extern __shared__` a compile error
#define __launch_bounds__(...)

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

// ---- runtime API ------------------------------------------------------------------------------
enum cudaError_t {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
    cudaErrorInvalidConfiguration = 9,
};
enum cudaMemcpyKind {
    cudaMemcpyHostToHost = 0,
    cudaMemcpyHostToDevice = 1,
    cudaMemcpyDeviceToHost = 2,
    cudaMemcpyDeviceToDevice = 3,
    cudaMemcpyDefault = 4,
};
struct CUstream_st;
using cudaStream_t = CUstream_st*;
struct CUevent_st;
using cudaEvent_t = CUevent_st*;
struct cudaDeviceProp {
    char name[256];
    size_t totalGlobalMem;
    int multiProcessorCount;
};

cudaError_t cudaMalloc(void** p, size_t bytes);
template <typename T>
cudaError_t cudaMalloc(T** p, size_t bytes) {
    return cudaMalloc(reinterpret_cast<void**>(p), bytes);
}
cudaError_t cudaFree(void* p);
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind,
                            cudaStream_t stream = nullptr);
cudaError_t cudaMemset(void* p, int value, size_t bytes);
cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t stream = nullptr);
cudaError_t cudaStreamCreate(cudaStream_t* s);
cudaError_t cudaStreamDestroy(cudaStream_t s);
cudaError_t cudaStreamSynchronize(cudaStream_t s);
cudaError_t cudaDeviceSynchronize();
cudaError_t cudaEventCreate(cudaEvent_t* e);
cudaError_t cudaEventDestroy(cudaEvent_t e);
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s = nullptr);
cudaError_t cudaEventSynchronize(cudaEvent_t e);
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end);
cudaError_t cudaGetLastError();
const char* cudaGetErrorString(cudaError_t e);
cudaError_t cudaGetDeviceCount(int* n);
cudaError_t cudaSetDevice(int d);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int d);

// ---- cuBLAS -----------------------------------------------------------------------------------
enum cublasStatus_t { CUBLAS_STATUS_SUCCESS = 0, CUBLAS_STATUS_INVALID_VALUE = 7 };
enum cublasOperation_t { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1 };
struct cublasContext;
using cublasHandle_t = cublasContext*;
cublasStatus_t cublasCreate(cublasHandle_t* h);
cublasStatus_t cublasDestroy(cublasHandle_t h);
cublasStatus_t cublasSetStream(cublasHandle_t h, cudaStream_t s);
// Column-major, as cuBLAS: C[m×n] = alpha·op(A)·op(B) + beta·C.
cublasStatus_t cublasSgemm(cublasHandle_t h, cublasOperation_t opa, cublasOperation_t opb, int m,
                           int n, int k, const float* alpha, const float* A, int lda,
                           const float* B, int ldb, const float* beta, float* C, int ldc);

// ---- device side --------------------------------------------------------------------------------
namespace mcseg::emu {

enum class ThreadOrder { Forward, Reverse, Random };
void set_thread_order(ThreadOrder order, uint64_t seed = 0);
ThreadOrder thread_order();
const char* thread_order_name();
unsigned worker_threads();  // OS threads that run blocks

struct ThreadState {
    dim3 tid;
    unsigned lane, warp;
    uint8_t status;
    struct Fiber* fiber;
};
struct BlockState {
    dim3 block_idx, block_dim, grid_dim;
    unsigned char* dynamic_shared;
    uint64_t* warp_scratch;  // [warps][32]
    unsigned threads;        // live threads in the block
};
extern constinit thread_local ThreadState* t_thread;
extern constinit thread_local BlockState* t_block;

void syncthreads();
void syncwarp();
[[noreturn]] void fatal(const char* what);

// A launch: the kernel, type-erased, run once per thread of every block.
struct KernelBody {
    void (*run)(const void* ctx);
    const void* ctx;
};
cudaError_t launch(dim3 grid, dim3 block, size_t shmem, cudaStream_t stream, KernelBody body);

template <typename T>
T shuffle_from(T v, unsigned src_lane) {
    static_assert(std::is_trivially_copyable_v<T> && (sizeof(T) == 4 || sizeof(T) == 8),
                  "emulated shuffles take 4- or 8-byte trivially copyable values");
    ThreadState* t = t_thread;
    if (t_block->threads % 32) fatal("warp shuffle in a block that is not whole warps");
    uint64_t* scratch = t_block->warp_scratch + 32 * t->warp;
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    scratch[t->lane] = bits;
    syncwarp();
    bits = scratch[src_lane];
    syncwarp();
    T out;
    std::memcpy(&out, &bits, sizeof(T));
    return out;
}

}  // namespace mcseg::emu

#define threadIdx (::mcseg::emu::t_thread->tid)
#define blockIdx (::mcseg::emu::t_block->block_idx)
#define blockDim (::mcseg::emu::t_block->block_dim)
#define gridDim (::mcseg::emu::t_block->grid_dim)
constexpr int warpSize = 32;

inline void __syncthreads() { ::mcseg::emu::syncthreads(); }
inline void __syncwarp(unsigned = 0xffffffffu) { ::mcseg::emu::syncwarp(); }

template <typename T>
T __shfl_sync(unsigned, T v, int src, int width = 32) {
    unsigned lane = ::mcseg::emu::t_thread->lane;
    unsigned base = lane & ~unsigned(width - 1);
    return ::mcseg::emu::shuffle_from(v, base + unsigned(src) % unsigned(width));
}
template <typename T>
T __shfl_down_sync(unsigned, T v, unsigned delta, int width = 32) {
    unsigned lane = ::mcseg::emu::t_thread->lane;
    unsigned in_seg = lane & unsigned(width - 1);
    return ::mcseg::emu::shuffle_from(v, in_seg + delta < unsigned(width) ? lane + delta : lane);
}
template <typename T>
T __shfl_xor_sync(unsigned, T v, int mask, int width = 32) {
    unsigned lane = ::mcseg::emu::t_thread->lane;
    unsigned src = lane ^ unsigned(mask);
    bool same_segment = (src & ~unsigned(width - 1)) == (lane & ~unsigned(width - 1));
    return ::mcseg::emu::shuffle_from(v, same_segment ? src : lane);
}

// ---- atomics (return the old value, as CUDA's) ------------------------------------------------
template <typename T>
inline T atomicAdd(T* p, T v) {
    static_assert(std::is_same_v<T, int> || std::is_same_v<T, unsigned> ||
                      std::is_same_v<T, unsigned long long> || std::is_same_v<T, float> ||
                      std::is_same_v<T, double>,
                  "atomicAdd: unsupported type under emulation");
    return std::atomic_ref<T>(*p).fetch_add(v);
}
template <typename T>
inline T atomicSub(T* p, T v) {
    static_assert(std::is_same_v<T, int> || std::is_same_v<T, unsigned>, "atomicSub: int/unsigned");
    return std::atomic_ref<T>(*p).fetch_sub(v);
}
template <typename T>
inline T atomicMax(T* p, T v) {
    static_assert(std::is_same_v<T, int> || std::is_same_v<T, unsigned>, "atomicMax: int/unsigned");
    std::atomic_ref<T> a(*p);
    T old = a.load();
    while (old < v && !a.compare_exchange_weak(old, v)) {
    }
    return old;
}
template <typename T>
inline T atomicMin(T* p, T v) {
    static_assert(std::is_same_v<T, int> || std::is_same_v<T, unsigned>, "atomicMin: int/unsigned");
    std::atomic_ref<T> a(*p);
    T old = a.load();
    while (old > v && !a.compare_exchange_weak(old, v)) {
    }
    return old;
}
template <typename T>
inline T atomicExch(T* p, T v) {
    static_assert(std::is_same_v<T, int> || std::is_same_v<T, unsigned> || std::is_same_v<T, float>,
                  "atomicExch: int/unsigned/float");
    return std::atomic_ref<T>(*p).exchange(v);
}
template <typename T>
inline T atomicCAS(T* p, T compare, T v) {
    static_assert(std::is_same_v<T, int> || std::is_same_v<T, unsigned>, "atomicCAS: int/unsigned");
    std::atomic_ref<T>(*p).compare_exchange_strong(compare, v);
    return compare;
}

// ---- math beyond <cmath> ----------------------------------------------------------------------
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline float __saturatef(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x); }
const char* cublasGetStatusString(cublasStatus_t s);
