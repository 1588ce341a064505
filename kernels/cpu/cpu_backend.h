// kernels/cpu/cpu_backend.h — the CPU implementation of engine/backend.h.
//
// One class; its methods are defined one op family per file (conv3x3.cpp, pool.cpp,
// batchnorm.cpp, activation.cpp, linear.cpp, softmax_xent.cpp, optim.cpp) and memory, fill and
// axpy in cpu_backend.cpp. Loops are parallelised with OpenMP over independent outputs (images,
// channels, planes) and keep their innermost loop contiguous so the compiler vectorises it.
// Every method follows the contract written next to it in engine/backend.h.
#pragma once
#include <map>
#include <mutex>
#include <vector>

#include "engine/backend.h"

namespace mcseg {

class CpuBackend final : public Backend {
public:
    ~CpuBackend() override;
    Device device() const override { return Device::CPU; }
    std::string name() const override;

    void* allocate(size_t bytes) override;
    void deallocate(void* p, size_t bytes) override;
    void copy_from_host(void* dst, const void* host_src, size_t bytes) override;
    void copy_to_host(void* host_dst, const void* src, size_t bytes) override;
    void copy(void* dst, const void* src, size_t bytes) override;
    void synchronize() override {}

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

    void softmax_xent_forward(int n, int k, const float* logits, const float* labels, float* probs,
                              float* loss) override;
    void softmax_xent_backward(int n, int k, const float* probs, const float* labels,
                               const float* dloss, float* dlogits) override;

    void adam_step(size_t n, float* param, const float* grad, float* m, float* v, float lr,
                   float beta1, float beta2, float eps, int64_t step) override;
    void sgd_step(size_t n, float* param, const float* grad, float* velocity, float lr,
                  float momentum) override;

private:
    // Freed large blocks by size, reused by the next allocation of the same size (a training
    // step allocates the same shapes every time; fresh pages would cost a page fault each).
    std::mutex cache_mutex_;
    std::map<size_t, std::vector<void*>> cache_;
};

}  // namespace mcseg
