// engine/backend.h — the interface every compute backend implements.
//
// The tensor and autograd layers above never touch memory or loops themselves: they call a
// Backend with raw device pointers and a small shape struct. Two backends implement it:
//   * the CPU backend (kernels/cpu/), OpenMP + vectorisable loops;
//   * the CUDA backend (kernels/cuda/), hand-written kernels that run on a real GPU when built
//     with nvcc, or on the CPU under the project's CUDA emulation layer (tests, CI).
// Because both sit behind the same pure-virtual interface, a parity test can run any op on both
// and compare the results.
//
// Conventions shared by every method:
//   * tensors are float32, NCHW, densely packed;
//   * "backward" methods OVERWRITE their outputs (gradient accumulation across uses of a tensor
//     is done by the autograd tape with axpy);
//   * every pointer belongs to this backend's memory (allocate / copy_from_host);
//   * methods may run asynchronously on the backend's stream; copy_to_host and synchronize wait.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace mcseg {

enum class Device : uint8_t { CPU = 0, CUDA = 1 };

const char* device_name(Device d);  // "cpu" or "cuda"

// 3×3 convolution, stride 1, zero padding `pad` (1 = "same", 0 = "valid"), with bias; with relu
// set, the forward pass writes max(0, ·) of it (a conv layer and its ReLU in one pass).
//   x [n, c_in, h, w]   weight [c_out, c_in, 3, 3]   bias [c_out]   y [n, c_out, h_out, w_out]
struct Conv3x3Shape {
    int n, c_in, h, w, c_out, pad;
    bool relu = false;
    int h_out() const { return h + 2 * pad - 2; }
    int w_out() const { return w + 2 * pad - 2; }
    // Its multiply-adds × 2, the FLOPs the benchmarks report.
    double flops() const { return 2.0 * 9 * c_in * c_out * double(n) * h_out() * w_out(); }
};

// 2×2 max-pool, stride 2, floor on odd sizes (47 -> 23; the last row/column is dropped).
//   x [n, c, h, w]   y [n, c, h/2, w/2]
struct Pool2x2Shape {
    int n, c, h, w;
    int h_out() const { return h / 2; }
    int w_out() const { return w / 2; }
};

// Batch norm over channel c of x [n, c, hw] (conv maps: hw = h*w; FC features: hw = 1).
struct BatchNormShape {
    int n, c, hw;
};

// Fully connected layer, PyTorch's layout: y[n, out] = x[n, in] · weight[out, in]^T + bias[out].
struct LinearShape {
    int n, in, out;
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual Device device() const = 0;
    // Human-readable, e.g. "cpu (2 threads)", "cuda:0 NVIDIA H100 80GB HBM3", "cuda (emulated on cpu)".
    virtual std::string name() const = 0;

    // ---- memory -------------------------------------------------------------------------
    virtual void* allocate(size_t bytes) = 0;
    virtual void deallocate(void* p, size_t bytes) = 0;
    virtual void copy_from_host(void* dst, const void* host_src, size_t bytes) = 0;
    virtual void copy_to_host(void* host_dst, const void* src, size_t bytes) = 0;  // waits
    virtual void copy(void* dst, const void* src, size_t bytes) = 0;               // same device
    virtual void synchronize() = 0;

    // ---- elementwise helpers ----------------------------------------------------------------
    virtual void fill(float* y, size_t n, float value) = 0;
    virtual void axpy(float* y, const float* x, size_t n, float alpha) = 0;  // y += alpha * x
    virtual void mul(float* y, const float* a, const float* b, size_t n) = 0;  // y = a * b

    // ---- conv3x3 ------------------------------------------------------------------------------
    virtual void conv3x3_forward(const Conv3x3Shape& s, const float* x, const float* weight,
                                 const float* bias, float* y) = 0;
    // dx = conv_transpose(dy, weight)
    virtual void conv3x3_backward_input(const Conv3x3Shape& s, const float* dy, const float* weight,
                                        float* dx) = 0;
    // dweight = sum over batch of dy ⋆ x;  dbias = sum of dy over n, h, w
    virtual void conv3x3_backward_weight(const Conv3x3Shape& s, const float* x, const float* dy,
                                         float* dweight, float* dbias) = 0;

    // ---- max-pool 2×2 -----------------------------------------------------------------------
    virtual void maxpool2x2_forward(const Pool2x2Shape& s, const float* x, float* y) = 0;
    // Backward as a gather: each input pixel takes dy of its window if it is that window's
    // argmax (first maximum in row-major order, recomputed from x), else 0. Pixels in a dropped
    // odd row/column get 0. Deterministic, no atomics, no stored indices.
    virtual void maxpool2x2_backward(const Pool2x2Shape& s, const float* x, const float* dy,
                                     float* dx) = 0;

    // ---- batch norm -------------------------------------------------------------------------
    // Training: normalise with the batch mean and biased variance; save mean and 1/sqrt(var+eps)
    // for backward; update running stats PyTorch-style:
    //   running = (1 - momentum) * running + momentum * batch_stat  (running_var uses the
    //   unbiased variance, n*hw/(n*hw-1) times the biased one).
    virtual void batchnorm_forward_train(const BatchNormShape& s, const float* x, const float* gamma,
                                         const float* beta, float eps, float momentum, float* y,
                                         float* save_mean, float* save_invstd, float* running_mean,
                                         float* running_var) = 0;
    virtual void batchnorm_forward_eval(const BatchNormShape& s, const float* x, const float* gamma,
                                        const float* beta, const float* running_mean,
                                        const float* running_var, float eps, float* y) = 0;
    virtual void batchnorm_backward(const BatchNormShape& s, const float* x, const float* dy,
                                    const float* gamma, const float* save_mean,
                                    const float* save_invstd, float* dx, float* dgamma,
                                    float* dbeta) = 0;

    // ---- ReLU ---------------------------------------------------------------------------------
    // y = x < 0 ? 0 : x, so a NaN passes through as in PyTorch (a diverging run must show a NaN
    // loss, not be silently zeroed); backward: dx = y > 0 ? dy : 0.
    virtual void relu_forward(const float* x, float* y, size_t n) = 0;
    virtual void relu_backward(const float* y, const float* dy, float* dx, size_t n) = 0;  // uses output

    // ---- dropout (inverted) -----------------------------------------------------------------
    // mask[i] = (u_i >= p) / (1 - p) with u_i = philox_uniform_at(seed, stream, i) (engine/philox.h),
    // so the same (seed, stream) gives the same mask on every backend. Forward and backward are
    // then mul(y, x, mask) and mul(dx, dy, mask).
    virtual void dropout_mask(float* mask, size_t n, float p, uint64_t seed, uint64_t stream) = 0;

    // ---- linear ---------------------------------------------------------------------------------
    virtual void linear_forward(const LinearShape& s, const float* x, const float* weight,
                                const float* bias, float* y) = 0;
    virtual void linear_backward_input(const LinearShape& s, const float* dy, const float* weight,
                                       float* dx) = 0;
    virtual void linear_backward_weight(const LinearShape& s, const float* x, const float* dy,
                                        float* dweight, float* dbias) = 0;

    // ---- softmax + cross-entropy, fused ---------------------------------------------------
    // logits [n, k], labels [n] holding class indices as floats. Writes probs [n, k] (softmax,
    // max-subtracted for stability) and loss[0] = mean over the batch of -log p[label].
    virtual void softmax_xent_forward(int n, int k, const float* logits, const float* labels,
                                      float* probs, float* loss) = 0;
    // dlogits = dloss[0] * (probs - onehot(labels)) / n
    virtual void softmax_xent_backward(int n, int k, const float* probs, const float* labels,
                                       const float* dloss, float* dlogits) = 0;

    // ---- optimisers (update in place) -------------------------------------------------------
    // Adam with bias correction (Kingma & Ba); step counts from 1.
    virtual void adam_step(size_t n, float* param, const float* grad, float* m, float* v, float lr,
                           float beta1, float beta2, float eps, int64_t step) = 0;
    // SGD with optional momentum: velocity = momentum*velocity + grad; param -= lr*velocity.
    // velocity may be null when momentum == 0.
    virtual void sgd_step(size_t n, float* param, const float* grad, float* velocity, float lr,
                          float momentum) = 0;
};

// The CPU backend always exists.
Backend& cpu_backend();

// The CUDA backend exists when an executable installs one (the real-GPU build, or the emulated
// build in tests). cuda_backend() throws mcseg::Error with a clear message when none is installed
// or no device is usable.
void install_cuda_backend(Backend* backend);
Backend& cuda_backend();
bool cuda_available();

Backend& backend_for(Device d);

// A CUDA backend created on first use: the real-GPU build of `mcseg` installs a factory at
// start-up, so commands that never touch the GPU do not pay for a CUDA context. `make` returns
// null when no device is usable; it is called at most once. An installed backend wins.
void install_cuda_backend_factory(Backend* (*make)());

// The device named by a --device style option: "cpu", "cuda" (an Error when no CUDA backend is
// usable) or "auto" (cuda when available, else cpu). backend_for(result).name() says which GPU.
Device resolve_device(const std::string& which);

}  // namespace mcseg
