// kernels/cuda/cuda_backend.h — the CUDA implementation of engine/backend.h.
//
// One class serves both builds: with nvcc it drives a real GPU; under MCSEG_CUDA_EMULATION the
// same code (and the same kernels) run on the CPU emulation layer, and name() says so.
// It owns one stream (every method enqueues on it, in order), a cuBLAS handle, and a caching
// allocator: freed blocks go to per-size-class free lists and are handed out again, so a
// training loop calls cudaMalloc only while its working set is still growing. Reusing a block
// freed on the same stream is safe because the stream runs in order. allocate/deallocate are
// thread-safe (a tensor may die on any thread); the ops are meant for one host thread at a time.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "kernels/cuda/cuda_api.h"

namespace mcseg::cuda {

// Which matrix multiply the linear layer uses: the project's kernel, or cuBLAS as a reference.
enum class GemmImpl { Tiled, Cublas };

class CudaBackend final : public Backend {
public:
    // device: the CUDA device index. The GEMM defaults to Tiled, or to the value of the
    // environment variable MCSEG_CUDA_GEMM=tiled|cublas.
    explicit CudaBackend(int device = 0);
    ~CudaBackend() override;
    CudaBackend(const CudaBackend&) = delete;
    CudaBackend& operator=(const CudaBackend&) = delete;

    Device device() const override { return Device::CUDA; }
    std::string name() const override;

    void set_gemm(GemmImpl g) { gemm_ = g; }
    GemmImpl gemm() const { return gemm_; }
    cudaStream_t stream() const { return stream_; }
    // Device bytes held by the allocator (in use + cached) and the number of cudaMalloc calls.
    size_t reserved_bytes() const { return reserved_; }
    size_t malloc_calls() const { return malloc_calls_; }

    void* allocate(size_t bytes) override;
    void deallocate(void* p, size_t bytes) override;
    void copy_from_host(void* dst, const void* host_src, size_t bytes) override;
    void copy_to_host(void* host_dst, const void* src, size_t bytes) override;
    void copy(void* dst, const void* src, size_t bytes) override;
    void synchronize() override;

    void fill(float* y, size_t n, float value) override;
    void axpy(float* y, const float* x, size_t n, float alpha) override;
    void mul(float* y, const float* a, const float* b, size_t n) override;

    void conv3x3_forward(const Conv3x3Shape& s, const float* x, const float* weight,
                         const float* bias, float* y) override;
    void conv3x3_backward_input(const Conv3x3Shape& s, const float* dy, const float* weight,
                                float* dx) override;
    void conv3x3_backward_weight(const Conv3x3Shape& s, const float* x, const float* dy,
                                 float* dweight, float* dbias) override;

    void maxpool2x2_forward(const Pool2x2Shape& s, const float* x, float* y) override;
    void maxpool2x2_backward(const Pool2x2Shape& s, const float* x, const float* dy,
                             float* dx) override;

    void batchnorm_forward_train(const BatchNormShape& s, const float* x, const float* gamma,
                                 const float* beta, float eps, float momentum, float* y,
                                 float* save_mean, float* save_invstd, float* running_mean,
                                 float* running_var) override;
    void batchnorm_forward_eval(const BatchNormShape& s, const float* x, const float* gamma,
                                const float* beta, const float* running_mean,
                                const float* running_var, float eps, float* y) override;
    void batchnorm_backward(const BatchNormShape& s, const float* x, const float* dy,
                            const float* gamma, const float* save_mean, const float* save_invstd,
                            float* dx, float* dgamma, float* dbeta) override;

    void relu_forward(const float* x, float* y, size_t n) override;
    void relu_backward(const float* y, const float* dy, float* dx, size_t n) override;

    void dropout_mask(float* mask, size_t n, float p, uint64_t seed, uint64_t stream) override;

    void linear_forward(const LinearShape& s, const float* x, const float* weight,
                        const float* bias, float* y) override;
    void linear_backward_input(const LinearShape& s, const float* dy, const float* weight,
                               float* dx) override;
    void linear_backward_weight(const LinearShape& s, const float* x, const float* dy,
                                float* dweight, float* dbias) override;

    void softmax_xent_forward(int n, int k, const float* logits, const float* labels,
                              float* probs, float* loss) override;
    void softmax_xent_backward(int n, int k, const float* probs, const float* labels,
                               const float* dloss, float* dlogits) override;

    void adam_step(size_t n, float* param, const float* grad, float* m, float* v, float lr,
                   float beta1, float beta2, float eps, int64_t step) override;
    void sgd_step(size_t n, float* param, const float* grad, float* velocity, float lr,
                  float momentum) override;

private:
    // Row-major C[M×N] = op(A)·op(B) (+ bias) through the selected implementation.
    void matmul(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda,
                const float* B, int ldb, float* C, int ldc, const float* bias);
    // Scratch device memory for multi-kernel ops; grows, never shrinks; valid until the next call.
    float* workspace(size_t floats);
    void release_cache();  // with alloc_mutex_ held

    int device_;
    std::string device_name_;
    cudaStream_t stream_ = nullptr;
    cublasHandle_t cublas_ = nullptr;
    GemmImpl gemm_ = GemmImpl::Tiled;
    std::mutex alloc_mutex_;                      // guards free_, reserved_, malloc_calls_
    std::map<size_t, std::vector<void*>> free_;  // size class -> cached blocks
    size_t reserved_ = 0, malloc_calls_ = 0;
    float* workspace_ = nullptr;
    size_t workspace_floats_ = 0;
};

// Number of usable CUDA devices (1 under emulation; 0 when the driver finds none).
int device_count();

// The process-wide backend on device 0, made on the first call; null when there is no device.
// Meant for install_cuda_backend_factory (engine/backend.h).
Backend* make_default_backend();

}  // namespace mcseg::cuda
