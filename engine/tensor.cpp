// engine/tensor.cpp — tensor storage, views, device copies and the backward walk of the tape.
//
// backward() first collects every tensor reachable from the loss through grad_fn links in a
// topological order, using an explicit stack of (tensor, next-input index) frames: a tensor is
// appended after all its inputs, so the reversed list visits each output before its inputs.
// Then it seeds d loss = 1 and runs each Node's closure once, accumulating the returned input
// gradients (first one stored, later ones added with the backend's axpy), and releases the node's
// saved tensors right away, so memory is returned during the walk and a second backward through
// the same graph is an error rather than a silent double count.
#include "engine/tensor.h"

#include <unordered_set>

#include "engine/error.h"

namespace mcseg {

// ---- storage ----------------------------------------------------------------------------------

Storage::Storage(Backend& b, size_t nbytes) : backend(&b), bytes(nbytes) {
    ptr = b.allocate(nbytes);
}

Storage::~Storage() {
    if (ptr) backend->deallocate(ptr, bytes);
}

std::string shape_str(const std::vector<int>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

static size_t count_elements(const std::vector<int>& shape, const char* who) {
    if (shape.empty() || shape.size() > 4)
        fail(who, ": tensors have rank 1..4, got shape ", shape_str(shape));
    size_t n = 1;
    for (int d : shape) {
        if (d <= 0) fail(who, ": every dimension must be positive, got shape ", shape_str(shape));
        n *= static_cast<size_t>(d);
    }
    return n;
}

// ---- construction -----------------------------------------------------------------------------

Tensor Tensor::empty(std::vector<int> shape, Device d) {
    size_t n = count_elements(shape, "Tensor");
    auto impl = std::make_shared<TensorImpl>();
    impl->storage = std::make_shared<Storage>(backend_for(d), n * sizeof(float));
    impl->shape = std::move(shape);
    impl->device = d;
    return Tensor(std::move(impl));
}

Tensor Tensor::zeros(std::vector<int> shape, Device d) { return full(std::move(shape), 0.0f, d); }

Tensor Tensor::full(std::vector<int> shape, float v, Device d) {
    Tensor t = empty(std::move(shape), d);
    t.backend().fill(t.data(), t.numel(), v);
    return t;
}

Tensor Tensor::from_host(std::vector<int> shape, const std::vector<float>& data, Device d) {
    Tensor t = empty(shape, d);
    if (data.size() != t.numel())
        fail("Tensor::from_host: shape ", shape_str(shape), " holds ", t.numel(), " values, got ",
             data.size());
    t.backend().copy_from_host(t.data(), data.data(), data.size() * sizeof(float));
    return t;
}

std::vector<float> Tensor::to_host() const {
    std::vector<float> out;
    to_host(out);
    return out;
}

void Tensor::to_host(std::vector<float>& out) const {
    out.resize(numel());
    backend().copy_to_host(out.data(), data(), out.size() * sizeof(float));
}

Tensor Tensor::to(Device d) const {
    if (d == device()) return *this;
    return from_host(shape(), to_host(), d);
}

Tensor Tensor::clone() const {
    Tensor t = empty(shape(), device());
    backend().copy(t.data(), data(), numel() * sizeof(float));
    return t;
}

// ---- accessors --------------------------------------------------------------------------------

static const TensorImpl& checked(const std::shared_ptr<TensorImpl>& impl) {
    if (!impl) fail("use of an undefined tensor");
    return *impl;
}

const std::vector<int>& Tensor::shape() const { return checked(impl_).shape; }
int Tensor::rank() const { return static_cast<int>(shape().size()); }
int Tensor::dim(int i) const {
    if (i < 0 || i >= rank()) fail("Tensor::dim(", i, ") out of range for shape ", shape_str(shape()));
    return shape()[i];
}
size_t Tensor::numel() const {
    size_t n = 1;
    for (int d : shape()) n *= static_cast<size_t>(d);
    return n;
}
Device Tensor::device() const { return checked(impl_).device; }
Backend& Tensor::backend() const { return *checked(impl_).storage->backend; }
float* Tensor::data() { return static_cast<float*>(checked(impl_).storage->ptr); }
const float* Tensor::data() const { return static_cast<const float*>(checked(impl_).storage->ptr); }

float Tensor::item() const {
    if (numel() != 1) fail("Tensor::item: needs a 1-element tensor, got shape ", shape_str(shape()));
    float v;
    backend().copy_to_host(&v, data(), sizeof(float));
    return v;
}

Tensor Tensor::reshape(std::vector<int> new_shape) const {
    size_t n = count_elements(new_shape, "reshape");
    if (n != numel())
        fail("reshape: cannot view ", shape_str(shape()), " as ", shape_str(new_shape));
    auto impl = std::make_shared<TensorImpl>();
    impl->storage = impl_->storage;
    impl->shape = std::move(new_shape);
    impl->device = impl_->device;
    Tensor out(std::move(impl));
    std::vector<int> old_shape = shape();
    record(out, "reshape", {*this}, [old_shape](const Tensor&, const Tensor& dy) {
        return std::vector<Tensor>{dy.clone().reshape(old_shape)};
    });
    return out;
}

// ---- autograd ---------------------------------------------------------------------------------

static thread_local bool g_grad_enabled = true;

bool grad_enabled() { return g_grad_enabled; }
NoGradGuard::NoGradGuard() : previous_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = previous_; }

bool Tensor::requires_grad() const { return checked(impl_).requires_grad; }

Tensor& Tensor::set_requires_grad(bool on) {
    checked(impl_);
    if (!on && impl_->grad_fn) fail("set_requires_grad(false) on a tensor produced by a recorded op");
    impl_->requires_grad = on;
    return *this;
}

Tensor Tensor::grad() const { return Tensor(checked(impl_).grad); }

void Tensor::zero_grad() {
    checked(impl_);
    impl_->grad.reset();
}

void record(Tensor& out, const char* op, std::vector<Tensor> inputs, Node::BackwardFn backward) {
    if (!grad_enabled()) return;
    bool any = false;
    for (const Tensor& t : inputs) any = any || (t.defined() && t.requires_grad());
    if (!any) return;
    auto node = std::make_shared<Node>();
    node->op = op;
    node->inputs = std::move(inputs);
    node->backward = std::move(backward);
    out.impl()->requires_grad = true;
    out.impl()->grad_fn = std::move(node);
}

static void accumulate(TensorImpl& t, const Tensor& g, const std::string& op) {
    if (g.shape() != t.shape)
        fail("backward of ", op, ": gradient of shape ", shape_str(g.shape()),
             " for an input of shape ", shape_str(t.shape));
    if (!t.grad) {
        t.grad = g.impl();
    } else {
        Tensor acc(t.grad);
        acc.backend().axpy(acc.data(), g.data(), acc.numel(), 1.0f);
    }
}

void Tensor::backward() {
    if (!requires_grad()) fail("backward: the tensor does not require grad (nothing was recorded)");
    if (numel() != 1) fail("backward: needs a 1-element loss, got shape ", shape_str(shape()));

    // Topological order: post-order DFS with an explicit stack. `order` holds owning handles, so
    // every tensor stays alive while the walk below releases the nodes that referenced it.
    std::vector<std::shared_ptr<TensorImpl>> order;
    std::unordered_set<TensorImpl*> seen{impl_.get()};
    std::vector<std::pair<std::shared_ptr<TensorImpl>, size_t>> stack{{impl_, 0}};
    while (!stack.empty()) {
        auto& [t, next] = stack.back();
        if (t->grad_fn && t->grad_fn->released)
            fail("backward: this graph was already walked by a backward pass and its saved tensors "
                 "are freed; run the forward pass again");
        if (t->grad_fn && next < t->grad_fn->inputs.size()) {
            std::shared_ptr<TensorImpl> in = t->grad_fn->inputs[next++].impl();
            if (in && in->requires_grad && seen.insert(in.get()).second) stack.push_back({in, 0});
        } else {
            order.push_back(t);
            stack.pop_back();
        }
    }

    NoGradGuard guard;  // the closures' own computations are not taped
    accumulate(*impl_, Tensor::full(shape(), 1.0f, device()), "backward");
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        const std::shared_ptr<TensorImpl>& t = *it;
        if (!t->grad_fn) continue;  // a leaf: keeps its gradient
        Node& node = *t->grad_fn;
        if (t->grad) {
            std::vector<Tensor> grads = node.backward(Tensor(t), Tensor(t->grad));
            for (size_t i = 0; i < node.inputs.size(); ++i) {
                const Tensor& in = node.inputs[i];
                if (i < grads.size() && grads[i].defined() && in.defined() && in.requires_grad())
                    accumulate(*in.impl(), grads[i], node.op);
            }
            t->grad.reset();  // intermediate gradient no longer needed
        }
        // Free what the node saved for backward (inputs, statistics, masks), as PyTorch does.
        node.backward = nullptr;
        node.inputs.clear();
        node.released = true;
    }
}

}  // namespace mcseg
