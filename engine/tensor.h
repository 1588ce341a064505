// engine/tensor.h — the float32 tensor and its reverse-mode autograd tape.
//
// A Tensor is a cheap handle (shared_ptr) to a TensorImpl: a shape (rank 1..4, NCHW), a device
// and reference-counted Storage allocated through that device's Backend. Copying a Tensor shares
// the data; clone() copies it.
//
// Autograd, micrograd-style: while gradient recording is on (no NoGradGuard alive) and some
// input requires grad, every op in engine/ops.h attaches a Node to its output: the inputs plus a
// closure mapping (output, d output) to one gradient per input. Tensor::backward() orders the
// graph topologically with an explicit stack (no recursion, so deep graphs cannot overflow it),
// walks it from the loss back to the leaves and accumulates each gradient into its input with
// axpy, so a tensor used twice receives the sum of both contributions. Leaves (tensors that
// require grad and were not produced by a recorded op, e.g. parameters) keep their .grad();
// intermediate gradients and each node's saved tensors are released as soon as they have been
// propagated, as in PyTorch, so a graph supports one backward pass.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/backend.h"

namespace mcseg {

class Tensor;

// Device memory owned by a backend; freed through it when the last tensor using it goes away.
struct Storage {
    Backend* backend = nullptr;
    void* ptr = nullptr;
    size_t bytes = 0;
    Storage(Backend& b, size_t nbytes);
    ~Storage();
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;
};

// One recorded op: gradients of its inputs from the gradient of its output. The closure must
// return freshly allocated tensors (or undefined ones for inputs that need no gradient), one per
// entry of `inputs`, in order.
struct Node {
    using BackwardFn = std::function<std::vector<Tensor>(const Tensor& out, const Tensor& dout)>;
    std::string op;                // for error messages
    std::vector<Tensor> inputs;
    BackwardFn backward;
    bool released = false;         // backward already ran; inputs and closure were freed
};

struct TensorImpl {
    std::shared_ptr<Storage> storage;
    std::vector<int> shape;
    Device device = Device::CPU;
    bool requires_grad = false;
    std::shared_ptr<TensorImpl> grad;  // same shape and device; null until backward reached it
    std::shared_ptr<Node> grad_fn;     // null for leaves and for tensors outside the tape
};

class Tensor {
public:
    Tensor() = default;  // undefined (defined() == false)
    explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

    // Uninitialised memory (for op outputs that a kernel overwrites entirely).
    static Tensor empty(std::vector<int> shape, Device d = Device::CPU);
    static Tensor zeros(std::vector<int> shape, Device d = Device::CPU);
    static Tensor full(std::vector<int> shape, float v, Device d = Device::CPU);
    static Tensor from_host(std::vector<int> shape, const std::vector<float>& data,
                            Device d = Device::CPU);
    std::vector<float> to_host() const;
    // The same into `out` (resized to numel()): a buffer reused across calls keeps its pages, so
    // a steady-state loop neither allocates nor page-faults (apps/segment/dense.cpp).
    void to_host(std::vector<float>& out) const;
    Tensor to(Device d) const;  // copy to another device (shares when already there); not taped
    Tensor clone() const;       // deep copy on the same device; not taped, requires no grad

    bool defined() const { return impl_ != nullptr; }
    const std::vector<int>& shape() const;
    int dim(int i) const;
    int rank() const;
    size_t numel() const;
    Device device() const;
    Backend& backend() const;
    float* data();
    const float* data() const;
    float item() const;  // the value of a 1-element tensor (copies to the host)

    Tensor reshape(std::vector<int> shape) const;  // view sharing storage (records autograd)

    // autograd
    bool requires_grad() const;
    Tensor& set_requires_grad(bool on);
    Tensor grad() const;  // undefined until backward reached it
    void zero_grad();     // drops the gradient (grad() becomes undefined; the next backward sets it)
    void backward();      // from a 1-element loss: seeds d loss = 1, walks and frees the tape

    // Internal: the implementation object (ops.cpp, optimisers).
    const std::shared_ptr<TensorImpl>& impl() const { return impl_; }

private:
    std::shared_ptr<TensorImpl> impl_;
};

// "[2, 3, 4]" — for error messages.
std::string shape_str(const std::vector<int>& shape);

// Gradient recording: on by default, off while a NoGradGuard is alive (per thread).
bool grad_enabled();
struct NoGradGuard {
    NoGradGuard();
    ~NoGradGuard();
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

private:
    bool previous_;
};

// Used by ops: when recording is on and an input requires grad, marks `out` as requiring grad
// and attaches a Node (op name, inputs, closure). Otherwise does nothing.
void record(Tensor& out, const char* op, std::vector<Tensor> inputs, Node::BackwardFn backward);

}  // namespace mcseg
