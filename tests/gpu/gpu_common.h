// tests/gpu/gpu_common.h — helpers of the GPU-only programs (real GPU, nvcc build): device
// buffers filled from the host, CUDA-event timing, and the conv layer shapes of the paper's net.
#pragma once
#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "kernels/cuda/cuda_api.h"

namespace mcseg::gpu {

// A device array of floats (plain cudaMalloc: the programs compare libraries on equal terms).
class DeviceArray {
public:
    explicit DeviceArray(size_t n) : n_(n) { MCSEG_CUDA_CHECK(cudaMalloc(&p_, std::max<size_t>(n, 1) * sizeof(float))); }
    DeviceArray(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) : DeviceArray(n) {
        std::mt19937 gen(seed);
        std::uniform_real_distribution<float> u(lo, hi);
        std::vector<float> v(n);
        for (float& x : v) x = u(gen);
        upload(v);
    }
    ~DeviceArray() { cudaFree(p_); }
    DeviceArray(const DeviceArray&) = delete;
    DeviceArray& operator=(const DeviceArray&) = delete;
    void upload(const std::vector<float>& v) {
        MCSEG_CUDA_CHECK(cudaMemcpy(p_, v.data(), v.size() * sizeof(float), cudaMemcpyHostToDevice));
    }
    std::vector<float> download() const {
        std::vector<float> v(n_);
        MCSEG_CUDA_CHECK(cudaDeviceSynchronize());
        MCSEG_CUDA_CHECK(cudaMemcpy(v.data(), p_, n_ * sizeof(float), cudaMemcpyDeviceToHost));
        return v;
    }
    float* get() const { return p_; }
    size_t size() const { return n_; }

private:
    float* p_ = nullptr;
    size_t n_;
};

// Milliseconds per call of fn on `stream`: 3 warm-up calls, then the median of 5 trials of
// `reps` calls each, timed with CUDA events.
inline double time_ms(cudaStream_t stream, const std::function<void()>& fn, int reps = 10) {
    for (int i = 0; i < 3; ++i) fn();
    cudaEvent_t start, stop;
    MCSEG_CUDA_CHECK(cudaEventCreate(&start));
    MCSEG_CUDA_CHECK(cudaEventCreate(&stop));
    std::vector<double> trials;
    for (int t = 0; t < 5; ++t) {
        MCSEG_CUDA_CHECK(cudaEventRecord(start, stream));
        for (int i = 0; i < reps; ++i) fn();
        MCSEG_CUDA_CHECK(cudaEventRecord(stop, stream));
        MCSEG_CUDA_CHECK(cudaEventSynchronize(stop));
        float ms = 0;
        MCSEG_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
        trials.push_back(double(ms) / reps);
    }
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    std::sort(trials.begin(), trials.end());
    return trials[trials.size() / 2];
}

struct ConvLayer {
    std::string name;
    Conv3x3Shape shape;
};

// conv1..conv6 of the paper's net for patch N, same or valid, `filters` channels.
inline std::vector<ConvLayer> net_conv_layers(int N, bool same, int filters, int batch) {
    std::vector<ConvLayer> layers;
    int side = N, pad = same ? 1 : 0;
    for (int k = 1; k <= 6; ++k) {
        layers.push_back({"conv" + std::to_string(k), {batch, k == 1 ? 1 : filters, side, side, filters, pad}});
        side = side + 2 * pad - 2;
        if (k <= 2) side /= 2;
    }
    return layers;
}

// Largest |a - b| and largest |a| over two equally long arrays.
struct Diff {
    double max_abs_err = 0, max_abs_ref = 0;
};
inline Diff diff(const std::vector<float>& ref, const std::vector<float>& got) {
    Diff d;
    for (size_t i = 0; i < ref.size(); ++i) {
        double e = std::abs(double(ref[i]) - double(got[i]));
        d.max_abs_err = std::isnan(e) ? 1e30 : std::max(d.max_abs_err, e);
        d.max_abs_ref = std::max(d.max_abs_ref, std::abs(double(ref[i])));
    }
    return d;
}

}  // namespace mcseg::gpu
