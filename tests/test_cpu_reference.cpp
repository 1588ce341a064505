// tests/test_cpu_reference.cpp — the plain reference ops (kernels/cpu/reference.h) against
// PyTorch, and every op of the CPU backend against the reference.
//
//   * "reference: ..." runs the reference itself on the PyTorch-made vectors of
//     tests/reference/ops_*.safetensors (inputs, dy, expected outputs and gradients; the same
//     vectors and tolerances as test_reference_ops.cpp, which checks the engine's ops through
//     autograd), so the reference is trusted on its own, not because it agrees with the kernels
//     it checks; and on hand-worked numbers for what the vectors do not cover (gemm, Adam, SGD,
//     the dropout mask).
//   * "cpu: ..." runs each CPU backend method and its reference on the same random inputs: odd
//     and even sizes, batch 1 and more, same and valid padding, max-pool ties, and the paper
//     net's real layer shapes (N = 49 same: conv 1->32 on 49x49, 32->32 on 24x24 and 12x12;
//     N = 49 valid: 32->32 on 23x23; fc1 4608->64, fc2 64->2). Outputs start as NaN on both
//     sides, so an element either forgets to write fails.
//
// Tolerances, |cpu - reference| <= atol + rtol·|reference|:
//   * exact, bit for bit: relu, max-pool and the dropout mask only select or copy values (or
//     evaluate the same single float expression), so any difference is a bug.
//   * kSum (1e-5 abs + 1e-4 rel) for sums whose result is O(1) (conv and linear outputs and input
//     gradients with He-scaled weights, linear weight gradients over batches of up to 70, batch-norm
//     outputs, softmax): the reference sums in double, the CPU kernels in float and in blocked
//     order; a float sum of K terms then errs by about √K·u times its partial sums (u = 6e-8),
//     ≤ 1e-5 relative for K up to 4608 (fc1). Measured: at most 0.09 of this tolerance.
//   * kBatchSum (2e-4 abs + 1e-4 rel) for the gradients summed over the whole batch and every
//     pixel (conv dweight and dbias over up to 2·49·49 = 4802 positions, batch-norm dgamma and
//     dbeta over up to 3·9000 values: results of magnitude ~10-100): the same rounding grows
//     with those partial sums, up to 9e-5 absolute measured, and an element that cancels to near
//     0 keeps it. Measured: at most 0.05 of this tolerance (kSum would be at 0.65 of its own).
//   * kUpdate (1e-7 abs + 1e-6 rel) for Adam and SGD: elementwise float arithmetic against
//     double, a few ulp after three steps (measured: at most 0.1 of this tolerance).
// The reference against PyTorch uses test_reference_ops.cpp's kSum and exact tolerances.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/philox.h"
#include "kernels/cpu/reference.h"
#include "tests/test_reference_common.h"

using namespace mcseg;
using namespace mcseg::reftest;

namespace {

const Tolerance kSum{1e-5, 1e-4};
const Tolerance kBatchSum{2e-4, 1e-4};
const Tolerance kUpdate{1e-7, 1e-6};
const Tolerance kExact{0, 0};

// n deterministic values uniform in [offset - scale, offset + scale), from Philox stream `stream`.
std::vector<float> uniform(size_t n, uint64_t stream, float scale = 1.0f, float offset = 0.0f) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = offset + scale * (2.0f * philox_uniform_at(2024, stream, i) - 1.0f);
    return v;
}

// One output computed twice, by the CPU backend (cpu) and by the reference (ref). Both start as
// `init`, NaN unless given, so an element that either side forgets to write fails the check.
// (The CPU backend's memory is plain host memory, so it takes these vectors' pointers directly.)
struct Out {
    std::vector<float> cpu, ref;
    explicit Out(size_t n) : Out(std::vector<float>(n, std::nanf(""))) {}
    explicit Out(const std::vector<float>& init) : cpu(init), ref(init) {}

    void check(const std::string& what, Tolerance tol) const {
        const int n = static_cast<int>(ref.size());
        check_close(what, Tensor::from_host({n}, cpu), Tensor::from_host({n}, ref), tol);
    }
    // Bit for bit, NaNs and signed zeros included.
    void check_identical(const std::string& what) const {
        REQUIRE(cpu.size() == ref.size());
        size_t bad = 0, first = 0;
        for (size_t i = 0; i < ref.size(); ++i)
            if (std::memcmp(&cpu[i], &ref[i], sizeof(float)) != 0 && bad++ == 0) first = i;
        INFO(what, ": ", bad, " of ", ref.size(), " elements differ; first at ", first, ": cpu ",
             bad ? cpu[first] : 0.0f, ", reference ", bad ? ref[first] : 0.0f);
        CHECK(bad == 0);
    }
};

Backend& cpu() { return cpu_backend(); }

// A layer with weight and bias (conv3x3, linear): random inputs x, w, b, dy (w uniform in
// ±1/√fan_in, so y stays O(1) whatever the fan-in) and the outputs y, dx, dw, db for both
// sides to write.
struct Layer {
    std::vector<float> x, w, b, dy;
    Out y, dx, dw, db;
    Layer(size_t nx, size_t nw, size_t nb, size_t ny, int fan_in)
        : x(uniform(nx, 1)), w(uniform(nw, 2, 1.0f / std::sqrt(static_cast<float>(fan_in)))), b(uniform(nb, 3)),
          dy(uniform(ny, 4)), y(ny), dx(nx), dw(nw), db(nb) {}
    void check(const std::string& op, Tolerance weight_gradient) const {
        y.check(op + "_forward y", kSum);
        dx.check(op + "_backward_input dx", kSum);
        dw.check(op + "_backward_weight dweight", weight_gradient);
        db.check(op + "_backward_weight dbias", weight_gradient);
    }
};

void check_conv(const Conv3x3Shape& s) {
    INFO("conv3x3 n=", s.n, " c_in=", s.c_in, " h=", s.h, " w=", s.w, " c_out=", s.c_out, " pad=", s.pad);
    Layer l(static_cast<size_t>(s.n) * s.c_in * s.h * s.w, static_cast<size_t>(s.c_out) * s.c_in * 9, s.c_out,
            static_cast<size_t>(s.n) * s.c_out * s.h_out() * s.w_out(), 9 * s.c_in);
    cpu().conv3x3_forward(s, l.x.data(), l.w.data(), l.b.data(), l.y.cpu.data());
    reference::conv3x3_forward(s, l.x.data(), l.w.data(), l.b.data(), l.y.ref.data());
    cpu().conv3x3_backward_input(s, l.dy.data(), l.w.data(), l.dx.cpu.data());
    reference::conv3x3_backward_input(s, l.dy.data(), l.w.data(), l.dx.ref.data());
    cpu().conv3x3_backward_weight(s, l.x.data(), l.dy.data(), l.dw.cpu.data(), l.db.cpu.data());
    reference::conv3x3_backward_weight(s, l.x.data(), l.dy.data(), l.dw.ref.data(), l.db.ref.data());
    l.check("conv3x3", kBatchSum);  // dweight, dbias: sums over the batch and every pixel
}

void check_pool(const Pool2x2Shape& s, bool ties) {
    INFO("maxpool2x2 n=", s.n, " c=", s.c, " h=", s.h, " w=", s.w, ties ? " (ties)" : "");
    const size_t nx = static_cast<size_t>(s.n) * s.c * s.h * s.w,
                 ny = static_cast<size_t>(s.n) * s.c * s.h_out() * s.w_out();
    std::vector<float> x = uniform(nx, 5);
    if (ties)  // values -1, 0 and 1 only: most windows hold their maximum twice or more
        for (float& v : x) v = std::round(v);
    const std::vector<float> dy = uniform(ny, 6);
    Out y(ny), dx(nx);
    cpu().maxpool2x2_forward(s, x.data(), y.cpu.data());
    reference::maxpool2x2_forward(s, x.data(), y.ref.data());
    cpu().maxpool2x2_backward(s, x.data(), dy.data(), dx.cpu.data());
    reference::maxpool2x2_backward(s, x.data(), dy.data(), dx.ref.data());
    y.check_identical("maxpool2x2_forward y");
    dx.check_identical("maxpool2x2_backward dx");
}

void check_batchnorm(const BatchNormShape& s) {
    INFO("batchnorm n=", s.n, " c=", s.c, " hw=", s.hw);
    const size_t nx = static_cast<size_t>(s.n) * s.c * s.hw, nc = s.c;
    const std::vector<float> x = uniform(nx, 7, 2.0f, 0.5f), dy = uniform(nx, 8), gamma = uniform(nc, 9, 0.5f, 1.0f),
                             beta = uniform(nc, 10);
    Out y(nx), mean(nc), invstd(nc), rmean(uniform(nc, 11)), rvar(uniform(nc, 12, 0.5f, 1.0f)), dx(nx), dgamma(nc),
        dbeta(nc), y_eval(nx);
    cpu().batchnorm_forward_train(s, x.data(), gamma.data(), beta.data(), 1e-5f, 0.1f, y.cpu.data(), mean.cpu.data(),
                                  invstd.cpu.data(), rmean.cpu.data(), rvar.cpu.data());
    reference::batchnorm_forward_train(s, x.data(), gamma.data(), beta.data(), 1e-5f, 0.1f, y.ref.data(),
                                       mean.ref.data(), invstd.ref.data(), rmean.ref.data(), rvar.ref.data());
    // Backward and eval take the same saved and running statistics on both sides (the reference's),
    // so each comparison is of one op alone.
    cpu().batchnorm_backward(s, x.data(), dy.data(), gamma.data(), mean.ref.data(), invstd.ref.data(), dx.cpu.data(),
                             dgamma.cpu.data(), dbeta.cpu.data());
    reference::batchnorm_backward(s, x.data(), dy.data(), gamma.data(), mean.ref.data(), invstd.ref.data(),
                                  dx.ref.data(), dgamma.ref.data(), dbeta.ref.data());
    cpu().batchnorm_forward_eval(s, x.data(), gamma.data(), beta.data(), rmean.ref.data(), rvar.ref.data(), 1e-5f,
                                 y_eval.cpu.data());
    reference::batchnorm_forward_eval(s, x.data(), gamma.data(), beta.data(), rmean.ref.data(), rvar.ref.data(), 1e-5f,
                                      y_eval.ref.data());
    y.check("batchnorm_forward_train y", kSum);
    mean.check("batchnorm_forward_train save_mean", kSum);
    invstd.check("batchnorm_forward_train save_invstd", kSum);
    rmean.check("batchnorm_forward_train running_mean", kSum);
    rvar.check("batchnorm_forward_train running_var", kSum);
    dx.check("batchnorm_backward dx", kSum);
    dgamma.check("batchnorm_backward dgamma", kBatchSum);
    dbeta.check("batchnorm_backward dbeta", kBatchSum);
    y_eval.check("batchnorm_forward_eval y", kSum);
}

void check_linear(const LinearShape& s) {
    INFO("linear n=", s.n, " in=", s.in, " out=", s.out);
    Layer l(static_cast<size_t>(s.n) * s.in, static_cast<size_t>(s.out) * s.in, s.out, static_cast<size_t>(s.n) * s.out,
            s.in);
    cpu().linear_forward(s, l.x.data(), l.w.data(), l.b.data(), l.y.cpu.data());
    reference::linear_forward(s, l.x.data(), l.w.data(), l.b.data(), l.y.ref.data());
    cpu().linear_backward_input(s, l.dy.data(), l.w.data(), l.dx.cpu.data());
    reference::linear_backward_input(s, l.dy.data(), l.w.data(), l.dx.ref.data());
    cpu().linear_backward_weight(s, l.x.data(), l.dy.data(), l.dw.cpu.data(), l.db.cpu.data());
    reference::linear_backward_weight(s, l.x.data(), l.dy.data(), l.dw.ref.data(), l.db.ref.data());
    l.check("linear", kSum);  // dweight, dbias: sums over a batch of at most 70
}

void check_softmax_xent(int n, int k, std::vector<float> logits) {
    INFO("softmax_xent n=", n, " k=", k);
    std::vector<float> labels(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) labels[static_cast<size_t>(i)] = static_cast<float>((i * 7 + 3) % k);
    const float dloss = 0.7f;
    const size_t nk = static_cast<size_t>(n) * k;
    Out probs(nk), loss(1), dlogits(nk);
    cpu().softmax_xent_forward(n, k, logits.data(), labels.data(), probs.cpu.data(), loss.cpu.data());
    reference::softmax_xent_forward(n, k, logits.data(), labels.data(), probs.ref.data(), loss.ref.data());
    cpu().softmax_xent_backward(n, k, probs.ref.data(), labels.data(), &dloss, dlogits.cpu.data());
    reference::softmax_xent_backward(n, k, probs.ref.data(), labels.data(), &dloss, dlogits.ref.data());
    probs.check("softmax_xent_forward probs", kSum);
    loss.check("softmax_xent_forward loss", kSum);
    dlogits.check("softmax_xent_backward dlogits", kSum);
}

// Runs body(f, p) once per test case of reference file `file`, p being the case's prefix
// "<case>." (each case has an entry "<case>.<key>").
using CaseBody = std::function<void(const SafeTensorsFile& f, const std::string& p)>;
void for_each_case(const std::string& file, const std::string& key, const CaseBody& body) {
    const SafeTensorsFile f = load_reference(file);
    int count = 0;
    for (const auto& [name, entry] : f.entries)
        if (name.ends_with("." + key)) {
            const std::string p = name.substr(0, name.size() - key.size());
            CAPTURE(p);
            body(f, p);
            ++count;
        }
    CHECK(count > 0);
}

// A NaN-filled tensor shaped like t, for a reference function to write.
Tensor output_like(const Tensor& t) { return Tensor::full(t.shape(), std::nanf("")); }

// One case of a layer with weight and bias (conv3x3, linear) from its reference file: the
// inputs, and NaN-filled outputs for the reference to write.
struct LayerCase {
    const Tensor &x, &w, &b, &dy;
    Tensor y, dx, dw, db;
};
using LayerRun = std::function<void(const SafeTensorsFile&, const std::string& prefix, LayerCase&)>;

// For every case of `file`, `run` computes y, dx, dweight and dbias with the reference; all four
// must match PyTorch's.
void check_layer_vectors(const std::string& file, const LayerRun& run) {
    for_each_case(file, "x", [&](const SafeTensorsFile& f, const std::string& p) {
        const Tensor &x = f.tensor(p + "x"), &w = f.tensor(p + "weight"), &b = f.tensor(p + "bias"),
                     &dy = f.tensor(p + "dy");
        LayerCase c{x, w, b, dy, output_like(dy), output_like(x), output_like(w), output_like(b)};
        run(f, p, c);
        check_close(p + "y", c.y, f.tensor(p + "y"), kSum);
        check_close(p + "dx", c.dx, f.tensor(p + "dx"), kSum);
        check_close(p + "dweight", c.dw, f.tensor(p + "dweight"), kSum);
        check_close(p + "dbias", c.db, f.tensor(p + "dbias"), kSum);
    });
}

}  // namespace

// ---- the reference against PyTorch's vectors -----------------------------------------------------

TEST_CASE("reference: conv3x3 (and with its ReLU) matches PyTorch's vectors (y, dx, dweight, dbias)") {
    check_layer_vectors("ops_conv3x3.safetensors", [](const SafeTensorsFile& f, const std::string& p, LayerCase& c) {
        const Conv3x3Shape s{c.x.dim(0), c.x.dim(1), c.x.dim(2), c.x.dim(3), c.w.dim(0),
                             static_cast<int>(f.tensor(p + "pad").item()), f.tensor(p + "relu").item() != 0};
        reference::conv3x3_forward(s, c.x.data(), c.w.data(), c.b.data(), c.y.data());
        Tensor dy = c.dy;
        if (s.relu) {  // the backward of the fused form: dy through the ReLU's mask first (engine/ops.cpp)
            dy = output_like(c.dy);
            reference::relu_backward(c.y.data(), c.dy.data(), dy.data(), dy.numel());
        }
        reference::conv3x3_backward_input(s, dy.data(), c.w.data(), c.dx.data());
        reference::conv3x3_backward_weight(s, c.x.data(), dy.data(), c.dw.data(), c.db.data());
    });
}

TEST_CASE("reference: maxpool2x2 and relu match PyTorch's vectors exactly") {
    for_each_case("ops_maxpool2x2.safetensors", "x", [](const SafeTensorsFile& f, const std::string& p) {
        const Tensor &x = f.tensor(p + "x"), &dy = f.tensor(p + "dy");
        const Pool2x2Shape s{x.dim(0), x.dim(1), x.dim(2), x.dim(3)};
        Tensor y = output_like(dy), dx = output_like(x);
        reference::maxpool2x2_forward(s, x.data(), y.data());
        reference::maxpool2x2_backward(s, x.data(), dy.data(), dx.data());
        check_close(p + "y", y, f.tensor(p + "y"), kExact);
        check_close(p + "dx", dx, f.tensor(p + "dx"), kExact);
    });
    const SafeTensorsFile r = load_reference("ops_relu.safetensors");
    const Tensor &x = r.tensor("b2.x"), &dy = r.tensor("b2.dy");
    Tensor y = output_like(x), dx = output_like(x);
    reference::relu_forward(x.data(), y.data(), x.numel());
    reference::relu_backward(y.data(), dy.data(), dx.data(), x.numel());
    check_close("relu y", y, r.tensor("b2.y"), kExact);
    check_close("relu dx", dx, r.tensor("b2.dx"), kExact);
}

TEST_CASE("reference: batchnorm matches PyTorch's vectors (train with running stats, eval, backward)") {
    for_each_case("ops_batchnorm.safetensors", "x", [](const SafeTensorsFile& f, const std::string& p) {
        const Tensor &x = f.tensor(p + "x"), &g = f.tensor(p + "weight"), &b = f.tensor(p + "bias");
        const BatchNormShape s{x.dim(0), x.dim(1), static_cast<int>(x.numel()) / (x.dim(0) * x.dim(1))};
        Tensor y = output_like(x), rm = f.tensor(p + "running_mean").clone(), rv = f.tensor(p + "running_var").clone();
        if (f.contains(p + "dy")) {  // a training case: batch statistics, running stats updated, backward
            Tensor mean = output_like(g), invstd = output_like(g), dx = output_like(x), dg = output_like(g),
                   db = output_like(b);
            reference::batchnorm_forward_train(s, x.data(), g.data(), b.data(), 1e-5f, 0.1f, y.data(), mean.data(),
                                               invstd.data(), rm.data(), rv.data());
            reference::batchnorm_backward(s, x.data(), f.tensor(p + "dy").data(), g.data(), mean.data(),
                                          invstd.data(), dx.data(), dg.data(), db.data());
            check_close(p + "dx", dx, f.tensor(p + "dx"), kSum);
            check_close(p + "dweight", dg, f.tensor(p + "dweight"), kSum);
            check_close(p + "dbias", db, f.tensor(p + "dbias"), kSum);
        } else {  // eval: the running stats normalise and stay as they were
            reference::batchnorm_forward_eval(s, x.data(), g.data(), b.data(), rm.data(), rv.data(), 1e-5f, y.data());
        }
        check_close(p + "y", y, f.tensor(p + "y"), kSum);
        check_close(p + "running_mean", rm, f.tensor(p + "running_mean_after"), kSum);
        check_close(p + "running_var", rv, f.tensor(p + "running_var_after"), kSum);
    });
}

TEST_CASE("reference: linear matches PyTorch's vectors (y, dx, dweight, dbias)") {
    check_layer_vectors("ops_linear.safetensors", [](const SafeTensorsFile&, const std::string&, LayerCase& c) {
        const LinearShape s{c.x.dim(0), c.x.dim(1), c.w.dim(0)};
        reference::linear_forward(s, c.x.data(), c.w.data(), c.b.data(), c.y.data());
        reference::linear_backward_input(s, c.dy.data(), c.w.data(), c.dx.data());
        reference::linear_backward_weight(s, c.x.data(), c.dy.data(), c.dw.data(), c.db.data());
    });
}

TEST_CASE("reference: softmax cross-entropy matches PyTorch's vectors (loss, probs, dlogits)") {
    for_each_case("ops_softmax_xent.safetensors", "logits", [](const SafeTensorsFile& f, const std::string& p) {
        const Tensor &logits = f.tensor(p + "logits"), &labels = f.tensor(p + "labels");
        const int n = logits.dim(0), k = logits.dim(1);
        Tensor probs = output_like(logits), loss = output_like(f.tensor(p + "loss")), dlogits = output_like(logits);
        const float dloss = 1.0f;  // the vectors' gradient is of the loss itself
        reference::softmax_xent_forward(n, k, logits.data(), labels.data(), probs.data(), loss.data());
        reference::softmax_xent_backward(n, k, probs.data(), labels.data(), &dloss, dlogits.data());
        check_close(p + "loss", loss, f.tensor(p + "loss"), kSum);
        check_close(p + "probs", probs, f.tensor(p + "probs"), kSum);
        check_close(p + "dlogits", dlogits, f.tensor(p + "dlogits"), kSum);
    });
}

TEST_CASE("reference: gemm on a hand-worked product, every transpose, alpha and beta") {
    // op(A) = [[1, 2, 3], [4, 5, 6]], op(B) = [[1, 0], [0, 1], [1, 1]]: op(A)·op(B) = [[4, 5], [10, 11]].
    const std::vector<float> a{1, 2, 3, 4, 5, 6}, at{1, 4, 2, 5, 3, 6}, b{1, 0, 0, 1, 1, 1}, bt{1, 0, 1, 0, 1, 1};
    for (int t = 0; t < 4; ++t) {
        const bool ta = t & 1, tb = t & 2;
        CAPTURE(ta);
        CAPTURE(tb);
        std::vector<float> c{NAN, NAN, NAN, NAN};  // beta = 0: C is not read
        reference::gemm(ta, tb, 2, 2, 3, 1.0f, (ta ? at : a).data(), ta ? 2 : 3, (tb ? bt : b).data(), tb ? 3 : 2, 0.0f,
                        c.data(), 2);
        CHECK(c == std::vector<float>{4, 5, 10, 11});
        reference::gemm(ta, tb, 2, 2, 3, -2.0f, (ta ? at : a).data(), ta ? 2 : 3, (tb ? bt : b).data(), tb ? 3 : 2,
                        0.5f, c.data(), 2);
        CHECK(c == std::vector<float>{-6, -7.5f, -15, -16.5f});
    }
    // Leading dimensions wider than the matrices: the padding column of C stays untouched.
    const std::vector<float> a_pad{1, 2, 3, 0, 4, 5, 6, 0};
    std::vector<float> c{0, 0, 99, 0, 0, 99};
    reference::gemm(false, false, 2, 2, 3, 1.0f, a_pad.data(), 4, b.data(), 2, 0.0f, c.data(), 3);
    CHECK(c == std::vector<float>{4, 5, 99, 10, 11, 99});
}

TEST_CASE("reference: Adam, SGD and the dropout mask on hand-worked numbers") {
    // Adam with a constant gradient: m̂ = g and v̂ = g² at every step (the bias correction undoes
    // the zero start exactly), so each step moves a parameter by lr·g/(|g| + eps) ≈ lr·sign(g).
    std::vector<float> p{1.0f, -0.5f, 2.0f}, m(3, 0.0f), v(3, 0.0f);
    const std::vector<float> g{0.5f, -2.0f, 1e-3f};
    for (int64_t t = 1; t <= 3; ++t)
        reference::adam_step(3, p.data(), g.data(), m.data(), v.data(), 1e-2f, 0.9f, 0.999f, 1e-8f, t);
    CHECK(p[0] == doctest::Approx(1.0 - 3e-2).epsilon(1e-6));
    CHECK(p[1] == doctest::Approx(-0.5 + 3e-2).epsilon(1e-6));
    CHECK(p[2] == doctest::Approx(2.0 - 3e-2 * 1e-3 / (1e-3 + 1e-8)).epsilon(1e-6));
    CHECK(m[0] == doctest::Approx(0.5 * (1 - 0.9 * 0.9 * 0.9)).epsilon(1e-6));

    // SGD, momentum 0.9, gradient 1 twice: velocity 1 then 1.9; param 1 - 0.1 - 0.19.
    std::vector<float> q{1.0f}, vel{0.0f}, one{1.0f};
    reference::sgd_step(1, q.data(), one.data(), vel.data(), 0.1f, 0.9f);
    reference::sgd_step(1, q.data(), one.data(), vel.data(), 0.1f, 0.9f);
    CHECK(vel[0] == doctest::Approx(1.9f));
    CHECK(q[0] == doctest::Approx(0.71f));
    reference::sgd_step(1, q.data(), one.data(), nullptr, 0.1f, 0.0f);  // no velocity: plain SGD
    CHECK(q[0] == doctest::Approx(0.61f));

    // Dropout p = 0.3: every mask value is 0 or 1/0.7, about 70 % of them kept, mean about 1.
    std::vector<float> mask(20000);
    reference::dropout_mask(mask.data(), mask.size(), 0.3f, 42, 7);
    double kept = 0, sum = 0;
    for (float x : mask) {
        REQUIRE((x == 0.0f || x == 1.0f / 0.7f));
        kept += x != 0.0f;
        sum += x;
    }
    CHECK(kept / mask.size() == doctest::Approx(0.7).epsilon(0.02));  // binomial sd 0.3 %
    CHECK(sum / mask.size() == doctest::Approx(1.0).epsilon(0.02));
}

// ---- the CPU backend against the reference ---------------------------------------------------------

TEST_CASE("cpu: conv3x3 forward and backward match the reference, odd/even sizes, same and valid") {
    check_conv({1, 3, 7, 7, 4, 1});    // same, odd, batch 1
    check_conv({3, 2, 6, 8, 5, 1});    // same, even, non-square, batch 3
    check_conv({2, 3, 9, 7, 4, 0});    // valid, odd
    check_conv({1, 2, 8, 8, 3, 0});    // valid, even
    check_conv({2, 1, 3, 3, 2, 0});    // valid, a 1×1 output
    check_conv({1, 2, 1, 1, 3, 1});    // same, a 1×1 image
    check_conv({2, 5, 5, 18, 7, 1});   // wide
}

TEST_CASE("cpu: conv3x3 matches the reference on the paper net's layer shapes") {
    check_conv({1, 1, 49, 49, 32, 1});   // N = 49 same: conv1, batch 1
    check_conv({2, 1, 49, 49, 32, 1});   // conv1, batch 2
    check_conv({2, 32, 24, 24, 32, 1});  // conv2
    check_conv({2, 32, 12, 12, 32, 1});  // conv3..conv6
    check_conv({2, 32, 23, 23, 32, 0});  // N = 49 valid: conv2
}

TEST_CASE("cpu: maxpool2x2 matches the reference exactly, odd sizes and ties") {
    check_pool({2, 32, 49, 49}, false);  // N = 49 same: pool1 (floor: 49 -> 24)
    check_pool({2, 32, 24, 24}, false);  // pool2
    check_pool({1, 3, 7, 5}, false);
    check_pool({3, 2, 6, 6}, true);
    check_pool({2, 5, 24, 23}, true);
    check_pool({1, 1, 1, 3}, false);  // no complete window: dx all 0
}

TEST_CASE("cpu: batchnorm train, eval and backward match the reference") {
    check_batchnorm({2, 32, 49 * 49});  // after conv1, N = 49 same
    check_batchnorm({4, 32, 12 * 12});
    check_batchnorm({8, 64, 1});        // fc1's features, batch 8
    check_batchnorm({1, 3, 5});         // batch 1
    check_batchnorm({3, 2, 9000});
}

TEST_CASE("cpu: relu and the dropout mask match the reference bit for bit") {
    std::vector<float> x = uniform(1001, 20);
    const std::vector<float> special{std::nanf(""), -std::nanf(""), INFINITY, -INFINITY, -0.0f, 0.0f, 1e-45f, -1e-45f};
    x.insert(x.end(), special.begin(), special.end());
    const std::vector<float> dy = uniform(x.size(), 21);
    Out y(x.size()), dx(x.size());
    cpu().relu_forward(x.data(), y.cpu.data(), x.size());
    reference::relu_forward(x.data(), y.ref.data(), x.size());
    cpu().relu_backward(y.ref.data(), dy.data(), dx.cpu.data(), x.size());
    reference::relu_backward(y.ref.data(), dy.data(), dx.ref.data(), x.size());
    y.check_identical("relu_forward y");
    dx.check_identical("relu_backward dx");
    CHECK(std::isnan(y.ref[1001]));  // NaN passes through

    for (float p : {0.5f, 0.25f})
        for (size_t n : {size_t(1), size_t(7), size_t(4097)}) {
            CAPTURE(p);
            CAPTURE(n);
            Out mask(n);
            cpu().dropout_mask(mask.cpu.data(), n, p, 42, 7);
            reference::dropout_mask(mask.ref.data(), n, p, 42, 7);
            mask.check_identical("dropout_mask");
        }
}

TEST_CASE("cpu: linear forward and backward match the reference") {
    check_linear({8, 32 * 12 * 12, 64});  // fc1, N = 49 same, batch 8
    check_linear({8, 32 * 2 * 2, 64});    // fc1, N = 49 valid
    check_linear({8, 64, 2});             // fc2
    check_linear({1, 3, 5});              // batch 1
    check_linear({70, 130, 67});          // ragged
}

TEST_CASE("cpu: softmax cross-entropy matches the reference") {
    check_softmax_xent(1, 2, uniform(2, 30, 4.0f));
    check_softmax_xent(5, 2, uniform(10, 31, 4.0f));
    check_softmax_xent(300, 2, uniform(600, 32, 4.0f));
    check_softmax_xent(33, 3, uniform(99, 33, 4.0f));
    check_softmax_xent(4, 10, uniform(40, 34, 4.0f));
    check_softmax_xent(2, 2, {1000.0f, -1000.0f, -1000.0f, 1000.0f});  // no overflow: the max is subtracted
}

TEST_CASE("cpu: adam and sgd steps match the reference") {
    const size_t n = 3001;
    const std::vector<float> grad = uniform(n, 40);
    Out p(uniform(n, 41)), m(std::vector<float>(n, 0.0f)), v(std::vector<float>(n, 0.0f));
    for (int64_t step = 1; step <= 3; ++step) {
        cpu().adam_step(n, p.cpu.data(), grad.data(), m.cpu.data(), v.cpu.data(), 1e-3f, 0.9f, 0.999f, 1e-8f, step);
        reference::adam_step(n, p.ref.data(), grad.data(), m.ref.data(), v.ref.data(), 1e-3f, 0.9f, 0.999f, 1e-8f,
                             step);
    }
    p.check("adam param", kUpdate);
    m.check("adam m", kUpdate);
    v.check("adam v", kUpdate);

    Out q(uniform(n, 42)), vel(std::vector<float>(n, 0.0f));
    for (int step = 0; step < 3; ++step) {
        cpu().sgd_step(n, q.cpu.data(), grad.data(), vel.cpu.data(), 0.01f, 0.9f);
        reference::sgd_step(n, q.ref.data(), grad.data(), vel.ref.data(), 0.01f, 0.9f);
        cpu().sgd_step(n, q.cpu.data(), grad.data(), nullptr, 0.01f, 0.0f);
        reference::sgd_step(n, q.ref.data(), grad.data(), nullptr, 0.01f, 0.0f);
    }
    q.check("sgd param", kUpdate);
    vel.check("sgd velocity", kUpdate);
}
