// tests/gpu/cudnn_compare.cpp — the project's CUDA kernels against NVIDIA's libraries on a real
// GPU: results (conv forward / backward-data / backward-filter + bias, batch norm, max-pool,
// GEMM) and speed. Prints one JSON object (or writes it to the path given as argument).
//
// Fair baseline: cuDNN's algorithms are chosen by exhaustive search (cudnnFind*AlgorithmEx) with
// a 1 GiB workspace, and its math is pinned to plain FP32 (CUDNN_FMA_MATH): our kernels use FP32
// FMAs, so TF32 tensor cores would compare different arithmetic. Timings: CUDA events, warm-up,
// median of 5 trials; "ratio" = our time / library time (below 1 means we are faster).
// Speed cases: every conv layer of the N=49 same net at batch 256 and 4096, forward and both
// backward passes; batch norm and pooling of conv1's map and fc1's GEMMs at batch 256.
#include <cudnn.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>

#include "kernels/cuda/cuda_backend.h"
#include "tests/gpu/gpu_common.h"

using namespace mcseg;
using namespace mcseg::gpu;
using json = nlohmann::json;

#define CUDNN_CHECK(call)                                                                       \
    do {                                                                                        \
        cudnnStatus_t st_ = (call);                                                             \
        if (st_ != CUDNN_STATUS_SUCCESS)                                                        \
            fail(__FILE__, ":", __LINE__, ": ", #call, ": ", cudnnGetErrorString(st_));         \
    } while (0)

namespace {

const float kOne = 1.0f, kZero = 0.0f;

cudnnTensorDescriptor_t tensor4d(int n, int c, int h, int w) {
    cudnnTensorDescriptor_t d;
    CUDNN_CHECK(cudnnCreateTensorDescriptor(&d));
    CUDNN_CHECK(cudnnSetTensor4dDescriptor(d, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, c, h, w));
    return d;
}

// Descriptors and exhaustively searched algorithms for one conv shape.
struct CudnnConv {
    cudnnHandle_t h;
    Conv3x3Shape s;
    cudnnTensorDescriptor_t x, y, b;
    cudnnFilterDescriptor_t w;
    cudnnConvolutionDescriptor_t conv;
    cudnnConvolutionFwdAlgo_t fwd_algo{};
    cudnnConvolutionBwdDataAlgo_t bwd_data_algo{};
    cudnnConvolutionBwdFilterAlgo_t bwd_filter_algo{};
    void* ws;
    size_t ws_bytes;

    CudnnConv(cudnnHandle_t handle, const Conv3x3Shape& shape, void* workspace, size_t workspace_bytes)
        : h(handle), s(shape), ws(workspace), ws_bytes(workspace_bytes) {
        x = tensor4d(s.n, s.c_in, s.h, s.w);
        y = tensor4d(s.n, s.c_out, s.h_out(), s.w_out());
        b = tensor4d(1, s.c_out, 1, 1);
        CUDNN_CHECK(cudnnCreateFilterDescriptor(&w));
        CUDNN_CHECK(cudnnSetFilter4dDescriptor(w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, s.c_out, s.c_in, 3, 3));
        CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&conv));
        CUDNN_CHECK(cudnnSetConvolution2dDescriptor(conv, s.pad, s.pad, 1, 1, 1, 1,
                                                    CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
        CUDNN_CHECK(cudnnSetConvolutionMathType(conv, CUDNN_FMA_MATH));
    }
    ~CudnnConv() {
        cudnnDestroyTensorDescriptor(x);
        cudnnDestroyTensorDescriptor(y);
        cudnnDestroyTensorDescriptor(b);
        cudnnDestroyFilterDescriptor(w);
        cudnnDestroyConvolutionDescriptor(conv);
    }

    // Exhaustive search on the real buffers; keeps the fastest algorithm that succeeded.
    void find(float* xp, float* wp, float* yp, float* dxp, float* dwp) {
        int n = 0;
        cudnnConvolutionFwdAlgoPerf_t f[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
        CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithmEx(h, x, xp, w, wp, conv, y, yp,
                                                           CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &n, f, ws, ws_bytes));
        for (int i = n - 1; i >= 0; --i)
            if (f[i].status == CUDNN_STATUS_SUCCESS) fwd_algo = f[i].algo;
        cudnnConvolutionBwdDataAlgoPerf_t d[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
        CUDNN_CHECK(cudnnFindConvolutionBackwardDataAlgorithmEx(h, w, wp, y, yp, conv, x, dxp,
                                                                CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &n, d, ws, ws_bytes));
        for (int i = n - 1; i >= 0; --i)
            if (d[i].status == CUDNN_STATUS_SUCCESS) bwd_data_algo = d[i].algo;
        cudnnConvolutionBwdFilterAlgoPerf_t g[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
        CUDNN_CHECK(cudnnFindConvolutionBackwardFilterAlgorithmEx(h, x, xp, y, yp, conv, w, dwp,
                                                                  CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &n, g, ws, ws_bytes));
        for (int i = n - 1; i >= 0; --i)
            if (g[i].status == CUDNN_STATUS_SUCCESS) bwd_filter_algo = g[i].algo;
    }
    void forward(const float* xp, const float* wp, const float* bp, float* yp) {
        CUDNN_CHECK(cudnnConvolutionForward(h, &kOne, x, xp, w, wp, conv, fwd_algo, ws, ws_bytes, &kZero, y, yp));
        CUDNN_CHECK(cudnnAddTensor(h, &kOne, b, bp, &kOne, y, yp));
    }
    void backward_data(const float* dyp, const float* wp, float* dxp) {
        CUDNN_CHECK(cudnnConvolutionBackwardData(h, &kOne, w, wp, y, dyp, conv, bwd_data_algo, ws,
                                                 ws_bytes, &kZero, x, dxp));
    }
    void backward_filter(const float* xp, const float* dyp, float* dwp, float* dbp) {
        CUDNN_CHECK(cudnnConvolutionBackwardFilter(h, &kOne, x, xp, y, dyp, conv, bwd_filter_algo,
                                                   ws, ws_bytes, &kZero, w, dwp));
        CUDNN_CHECK(cudnnConvolutionBackwardBias(h, &kOne, y, dyp, &kZero, b, dbp));
    }
};

json compare(const std::string& what, const std::vector<float>& ref, const std::vector<float>& got,
             double rtol) {
    Diff d = diff(ref, got);
    double allowed = rtol * std::max(1.0, d.max_abs_ref);
    return {{"what", what}, {"max_abs_err", d.max_abs_err}, {"max_abs_ref", d.max_abs_ref},
            {"allowed", allowed}, {"ok", d.max_abs_err <= allowed}};
}

struct ConvBuffers {
    DeviceArray x, w, b, dy, y, dx, dw, db;
    explicit ConvBuffers(const Conv3x3Shape& s)
        : x(size_t(s.n) * s.c_in * s.h * s.w, 1), w(size_t(s.c_out) * s.c_in * 9, 2, -0.2f, 0.2f),
          b(size_t(s.c_out), 3), dy(size_t(s.n) * s.c_out * s.h_out() * s.w_out(), 4),
          y(dy.size()), dx(x.size()), dw(w.size()), db(b.size()) {}
};

json conv_parity(cudnnHandle_t h, cuda::CudaBackend& be, const ConvLayer& layer, bool same,
                 DeviceArray& ws) {
    const Conv3x3Shape& s = layer.shape;
    ConvBuffers buf(s);
    CudnnConv ref(h, s, ws.get(), ws.size() * sizeof(float));
    ref.find(buf.x.get(), buf.w.get(), buf.y.get(), buf.dx.get(), buf.dw.get());
    json cases = json::array();
    ref.forward(buf.x.get(), buf.w.get(), buf.b.get(), buf.y.get());
    auto y_ref = buf.y.download();
    be.conv3x3_forward(s, buf.x.get(), buf.w.get(), buf.b.get(), buf.y.get());
    cases.push_back(compare("forward", y_ref, buf.y.download(), 1e-4));
    ref.backward_data(buf.dy.get(), buf.w.get(), buf.dx.get());
    auto dx_ref = buf.dx.download();
    be.conv3x3_backward_input(s, buf.dy.get(), buf.w.get(), buf.dx.get());
    cases.push_back(compare("backward_data", dx_ref, buf.dx.download(), 1e-4));
    ref.backward_filter(buf.x.get(), buf.dy.get(), buf.dw.get(), buf.db.get());
    auto dw_ref = buf.dw.download(), db_ref = buf.db.download();
    be.conv3x3_backward_weight(s, buf.x.get(), buf.dy.get(), buf.dw.get(), buf.db.get());
    cases.push_back(compare("backward_filter", dw_ref, buf.dw.download(), 1e-4));
    cases.push_back(compare("backward_bias", db_ref, buf.db.download(), 1e-4));
    return {{"layer", layer.name}, {"net", same ? "N49 same" : "N49 valid"}, {"n", s.n},
            {"c_in", s.c_in}, {"side", s.h}, {"pad", s.pad}, {"cases", cases}};
}

json conv_timing(cudnnHandle_t h, cuda::CudaBackend& be, const Conv3x3Shape& s, DeviceArray& ws) {
    ConvBuffers buf(s);
    CudnnConv ref(h, s, ws.get(), ws.size() * sizeof(float));
    ref.find(buf.x.get(), buf.w.get(), buf.y.get(), buf.dx.get(), buf.dw.get());
    cudaStream_t st = be.stream();
    int reps = s.n >= 4096 ? 3 : 10;
    auto entry = [](double ours, double lib, int algo) {
        return json{{"ours_ms", ours}, {"cudnn_ms", lib}, {"ratio", ours / lib}, {"cudnn_algo", algo}};
    };
    json j;
    j["forward"] = entry(
        time_ms(st, [&] { be.conv3x3_forward(s, buf.x.get(), buf.w.get(), buf.b.get(), buf.y.get()); }, reps),
        time_ms(st, [&] { ref.forward(buf.x.get(), buf.w.get(), buf.b.get(), buf.y.get()); }, reps),
        int(ref.fwd_algo));
    j["backward_data"] = entry(
        time_ms(st, [&] { be.conv3x3_backward_input(s, buf.dy.get(), buf.w.get(), buf.dx.get()); }, reps),
        time_ms(st, [&] { ref.backward_data(buf.dy.get(), buf.w.get(), buf.dx.get()); }, reps),
        int(ref.bwd_data_algo));
    j["backward_filter"] = entry(
        time_ms(st, [&] { be.conv3x3_backward_weight(s, buf.x.get(), buf.dy.get(), buf.dw.get(), buf.db.get()); }, reps),
        time_ms(st, [&] { ref.backward_filter(buf.x.get(), buf.dy.get(), buf.dw.get(), buf.db.get()); }, reps),
        int(ref.bwd_filter_algo));
    return j;
}

// Batch norm (spatial) and max-pool against cuDNN: results, and timings when `timed`.
json batchnorm_vs_cudnn(cudnnHandle_t h, cuda::CudaBackend& be, const BatchNormShape& s, bool timed) {
    size_t n = size_t(s.n) * s.c * s.hw, c = size_t(s.c);
    DeviceArray x(n, 5, -2.0f, 3.0f), dy(n, 6), gamma(c, 7, 0.5f, 1.5f), beta(c, 8), y(n), dx(n),
        mean(c), invstd(c), dgamma(c), dbeta(c), rm(c), rv(c);
    cudnnTensorDescriptor_t xd = tensor4d(s.n, s.c, s.hw, 1), bd = tensor4d(1, s.c, 1, 1);
    const float momentum = 0.1f, eps = 1e-5f;
    auto reset_running = [&] {
        rm.upload(std::vector<float>(c, 0.0f));
        rv.upload(std::vector<float>(c, 1.0f));
    };
    auto cudnn_fwd = [&] {
        CUDNN_CHECK(cudnnBatchNormalizationForwardTraining(h, CUDNN_BATCHNORM_SPATIAL, &kOne, &kZero, xd, x.get(), xd,
                                                           y.get(), bd, gamma.get(), beta.get(), momentum, rm.get(),
                                                           rv.get(), eps, mean.get(), invstd.get()));
    };
    auto cudnn_bwd = [&] {
        CUDNN_CHECK(cudnnBatchNormalizationBackward(h, CUDNN_BATCHNORM_SPATIAL, &kOne, &kZero, &kOne, &kZero, xd,
                                                    x.get(), xd, dy.get(), xd, dx.get(), bd, gamma.get(),
                                                    dgamma.get(), dbeta.get(), eps, mean.get(), invstd.get()));
    };
    auto ours_fwd = [&] {
        be.batchnorm_forward_train(s, x.get(), gamma.get(), beta.get(), eps, momentum, y.get(), mean.get(),
                                   invstd.get(), rm.get(), rv.get());
    };
    auto ours_bwd = [&] {
        be.batchnorm_backward(s, x.get(), dy.get(), gamma.get(), mean.get(), invstd.get(), dx.get(),
                              dgamma.get(), dbeta.get());
    };
    json cases = json::array();
    reset_running();
    cudnn_fwd();
    cudnn_bwd();
    auto r = std::vector<std::vector<float>>{y.download(), mean.download(), invstd.download(), rm.download(),
                                             rv.download(), dx.download(), dgamma.download(), dbeta.download()};
    reset_running();
    ours_fwd();
    ours_bwd();
    const char* names[] = {"y", "save_mean", "save_invstd", "running_mean", "running_var", "dx", "dgamma", "dbeta"};
    DeviceArray* ours[] = {&y, &mean, &invstd, &rm, &rv, &dx, &dgamma, &dbeta};
    for (int i = 0; i < 8; ++i) cases.push_back(compare(names[i], r[size_t(i)], ours[i]->download(), 1e-4));
    json j{{"n", s.n}, {"c", s.c}, {"hw", s.hw}, {"cases", cases}};
    if (timed) {
        double of = time_ms(be.stream(), ours_fwd), cf = time_ms(be.stream(), cudnn_fwd);
        double ob = time_ms(be.stream(), ours_bwd), cb = time_ms(be.stream(), cudnn_bwd);
        j["forward"] = {{"ours_ms", of}, {"cudnn_ms", cf}, {"ratio", of / cf}};
        j["backward"] = {{"ours_ms", ob}, {"cudnn_ms", cb}, {"ratio", ob / cb}};
    }
    cudnnDestroyTensorDescriptor(xd);
    cudnnDestroyTensorDescriptor(bd);
    return j;
}

json pool_vs_cudnn(cudnnHandle_t h, cuda::CudaBackend& be, const Pool2x2Shape& s, bool timed) {
    size_t nx = size_t(s.n) * s.c * s.h * s.w, ny = size_t(s.n) * s.c * s.h_out() * s.w_out();
    DeviceArray x(nx, 9), dy(ny, 10), y(ny), dx(nx);
    cudnnTensorDescriptor_t xd = tensor4d(s.n, s.c, s.h, s.w), yd = tensor4d(s.n, s.c, s.h_out(), s.w_out());
    cudnnPoolingDescriptor_t pd;
    CUDNN_CHECK(cudnnCreatePoolingDescriptor(&pd));
    CUDNN_CHECK(cudnnSetPooling2dDescriptor(pd, CUDNN_POOLING_MAX_DETERMINISTIC, CUDNN_NOT_PROPAGATE_NAN, 2, 2, 0, 0, 2, 2));
    auto cudnn_fwd = [&] { CUDNN_CHECK(cudnnPoolingForward(h, pd, &kOne, xd, x.get(), &kZero, yd, y.get())); };
    auto cudnn_bwd = [&] {
        CUDNN_CHECK(cudnnPoolingBackward(h, pd, &kOne, yd, y.get(), yd, dy.get(), xd, x.get(), &kZero, xd, dx.get()));
    };
    auto ours_fwd = [&] { be.maxpool2x2_forward(s, x.get(), y.get()); };
    auto ours_bwd = [&] { be.maxpool2x2_backward(s, x.get(), dy.get(), dx.get()); };
    cudnn_fwd();
    cudnn_bwd();
    auto y_ref = y.download(), dx_ref = dx.download();
    ours_fwd();
    ours_bwd();
    json j{{"n", s.n}, {"c", s.c}, {"h", s.h}, {"w", s.w},
           {"cases", {compare("forward", y_ref, y.download(), 0.0), compare("backward", dx_ref, dx.download(), 0.0)}}};
    if (timed) {
        double of = time_ms(be.stream(), ours_fwd), cf = time_ms(be.stream(), cudnn_fwd);
        double ob = time_ms(be.stream(), ours_bwd), cb = time_ms(be.stream(), cudnn_bwd);
        j["forward"] = {{"ours_ms", of}, {"cudnn_ms", cf}, {"ratio", of / cf}};
        j["backward"] = {{"ours_ms", ob}, {"cudnn_ms", cb}, {"ratio", ob / cb}};
    }
    cudnnDestroyPoolingDescriptor(pd);
    cudnnDestroyTensorDescriptor(xd);
    cudnnDestroyTensorDescriptor(yd);
    return j;
}

// The linear layer with our tiled GEMM against the same backend with cuBLAS.
json linear_vs_cublas(cuda::CudaBackend& be, const LinearShape& s) {
    DeviceArray x(size_t(s.n) * s.in, 11), w(size_t(s.out) * s.in, 12, -0.1f, 0.1f), b(size_t(s.out), 13),
        dy(size_t(s.n) * s.out, 14), y(dy.size()), dx(x.size()), dw(w.size()), db(b.size());
    auto fwd = [&] { be.linear_forward(s, x.get(), w.get(), b.get(), y.get()); };
    auto bwd = [&] {
        be.linear_backward_input(s, dy.get(), w.get(), dx.get());
        be.linear_backward_weight(s, x.get(), dy.get(), dw.get(), db.get());
    };
    be.set_gemm(cuda::GemmImpl::Cublas);
    fwd();
    bwd();
    auto y_ref = y.download(), dx_ref = dx.download(), dw_ref = dw.download();
    double cf = time_ms(be.stream(), fwd), cb = time_ms(be.stream(), bwd);
    be.set_gemm(cuda::GemmImpl::Tiled);
    fwd();
    bwd();
    json cases = {compare("forward", y_ref, y.download(), 1e-4), compare("backward_input", dx_ref, dx.download(), 1e-4),
                  compare("backward_weight", dw_ref, dw.download(), 1e-4)};
    double of = time_ms(be.stream(), fwd), ob = time_ms(be.stream(), bwd);
    return {{"n", s.n}, {"in", s.in}, {"out", s.out}, {"cases", cases},
            {"forward", {{"ours_ms", of}, {"cublas_ms", cf}, {"ratio", of / cf}}},
            {"backward", {{"ours_ms", ob}, {"cublas_ms", cb}, {"ratio", ob / cb}}}};
}

bool all_ok(const json& j) {
    if (j.is_object()) {
        if (j.contains("ok") && !j["ok"].get<bool>()) return false;
        for (const auto& [k, v] : j.items())
            if (!all_ok(v)) return false;
    } else if (j.is_array()) {
        for (const auto& v : j)
            if (!all_ok(v)) return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        cuda::CudaBackend be(0);
        cudnnHandle_t h;
        CUDNN_CHECK(cudnnCreate(&h));
        CUDNN_CHECK(cudnnSetStream(h, be.stream()));
        DeviceArray ws(size_t(256) << 20);  // 1 GiB of cuDNN workspace
        json report{{"device", be.name()}, {"cudnn_version", cudnnGetVersion()}};

        json parity = json::array();
        for (bool same : {true, false})
            for (const ConvLayer& l : net_conv_layers(49, same, 32, 8)) parity.push_back(conv_parity(h, be, l, same, ws));
        report["conv_parity"] = parity;
        report["batchnorm"] = {batchnorm_vs_cudnn(h, be, {256, 32, 49 * 49}, true),
                               batchnorm_vs_cudnn(h, be, {256, 32, 12 * 12}, false),
                               batchnorm_vs_cudnn(h, be, {256, 64, 1}, false)};
        report["maxpool"] = {pool_vs_cudnn(h, be, {256, 32, 49, 49}, true), pool_vs_cudnn(h, be, {8, 32, 47, 47}, false),
                             pool_vs_cudnn(h, be, {8, 32, 21, 21}, false)};
        report["linear_vs_cublas"] = {linear_vs_cublas(be, {256, 32 * 12 * 12, 64}), linear_vs_cublas(be, {256, 64, 2})};

        json timing = json::array();
        for (int batch : {256, 4096}) {
            std::map<std::tuple<int, int, int>, json> by_shape;  // conv3..conv6 share a shape
            for (const ConvLayer& l : net_conv_layers(49, true, 32, batch)) {
                auto key = std::make_tuple(l.shape.c_in, l.shape.h, l.shape.pad);
                if (!by_shape.count(key)) by_shape[key] = conv_timing(h, be, l.shape, ws);
                json j = by_shape[key];
                j["layer"] = l.name;
                j["batch"] = batch;
                j["c_in"] = l.shape.c_in;
                j["side"] = l.shape.h;
                if (l.name == "conv1") j["backward_data"]["used_in_training"] = false;  // input needs no gradient
                timing.push_back(j);
            }
        }
        report["conv_timing_n49_same"] = timing;
        report["all_parity_ok"] = all_ok(report);
        cudnnDestroy(h);

        std::string text = report.dump(2);
        if (argc > 1) {
            std::ofstream(argv[1]) << text << "\n";
        } else {
            std::cout << text << "\n";
        }
        return report["all_parity_ok"].get<bool>() ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cudnn_compare: %s\n", e.what());
        return 2;
    }
}
