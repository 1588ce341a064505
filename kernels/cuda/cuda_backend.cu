// kernels/cuda/cuda_backend.cu — CudaBackend: the Backend interface on CUDA (see cuda_backend.h).
//
// Each method validates nothing beyond what the CPU backend does (the tensor layer checks
// shapes), enqueues the kernels of kernels/cuda/*.cu on the backend's stream, and checks every
// runtime and cuBLAS call with MCSEG_CUDA_CHECK (mcseg::Error with file:line).
#include "kernels/cuda/cuda_backend.h"

#include <cstdlib>
#include <cstring>

#include "kernels/cuda/kernels.h"

namespace mcseg::cuda {

namespace {

// Allocation size classes 512 B, then 2^k and 1.5·2^k: at most a third of a block is wasted.
size_t size_class(size_t bytes) {
    if (bytes <= 512) return 512;
    size_t p = 512;
    while (p < bytes) {
        if (p + p / 2 >= bytes) return p + p / 2;
        p *= 2;
    }
    return p;
}

}  // namespace

int device_count() {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        cudaGetLastError();  // clear the sticky "no driver/device" error
        return 0;
    }
    return n;
}

Backend* make_default_backend() {
    static std::unique_ptr<CudaBackend> backend =
        device_count() > 0 ? std::make_unique<CudaBackend>(0) : nullptr;
    return backend.get();
}

CudaBackend::CudaBackend(int device) : device_(device) {
    MCSEG_CUDA_CHECK(cudaSetDevice(device));
    cudaDeviceProp prop;
    MCSEG_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    device_name_ = prop.name;
    MCSEG_CUDA_CHECK(cudaStreamCreate(&stream_));
    MCSEG_CUDA_CHECK(cublasCreate(&cublas_));
    MCSEG_CUDA_CHECK(cublasSetStream(cublas_, stream_));
    if (const char* env = std::getenv("MCSEG_CUDA_GEMM")) {
        if (!std::strcmp(env, "cublas")) gemm_ = GemmImpl::Cublas;
        else if (std::strcmp(env, "tiled")) fail("MCSEG_CUDA_GEMM must be tiled or cublas, not '", env, "'");
    }
}

CudaBackend::~CudaBackend() {
    // No checks here: a destructor must not throw, and at exit the driver may be gone.
    cudaStreamSynchronize(stream_);
    release_cache();
    if (workspace_) cudaFree(workspace_);
    cublasDestroy(cublas_);
    cudaStreamDestroy(stream_);
}

std::string CudaBackend::name() const {
#if defined(MCSEG_CUDA_EMULATION)
    return cat("cuda (", device_name_, ", thread order ", emu::thread_order_name(), ")");
#else
    return cat("cuda:", device_, " ", device_name_);
#endif
}

// ---- memory -------------------------------------------------------------------------------------

void CudaBackend::release_cache() {
    for (auto& [cls, blocks] : free_)
        for (void* p : blocks) {
            cudaFree(p);
            reserved_ -= cls;
        }
    free_.clear();
}

void* CudaBackend::allocate(size_t bytes) {
    std::lock_guard<std::mutex> lock(alloc_mutex_);
    size_t cls = size_class(bytes);
    auto it = free_.find(cls);
    if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        return p;
    }
    void* p = nullptr;
    if (cudaMalloc(&p, cls) != cudaSuccess) {
        cudaGetLastError();
        MCSEG_CUDA_CHECK(cudaStreamSynchronize(stream_));
        release_cache();  // give the cached blocks back to the driver and try once more
        if (cudaMalloc(&p, cls) != cudaSuccess) {
            cudaGetLastError();
            fail("CUDA out of memory allocating ", bytes, " bytes (", reserved_, " bytes in use)");
        }
    }
    ++malloc_calls_;
    reserved_ += cls;
    return p;
}

void CudaBackend::deallocate(void* p, size_t bytes) {
    if (!p) return;
    std::lock_guard<std::mutex> lock(alloc_mutex_);
    free_[size_class(bytes)].push_back(p);
}

float* CudaBackend::workspace(size_t floats) {
    if (floats > workspace_floats_) {
        if (workspace_) {
            MCSEG_CUDA_CHECK(cudaStreamSynchronize(stream_));
            MCSEG_CUDA_CHECK(cudaFree(workspace_));
        }
        MCSEG_CUDA_CHECK(cudaMalloc(&workspace_, floats * sizeof(float)));
        workspace_floats_ = floats;
    }
    return workspace_;
}

void CudaBackend::copy_from_host(void* dst, const void* host_src, size_t bytes) {
    MCSEG_CUDA_CHECK(cudaMemcpyAsync(dst, host_src, bytes, cudaMemcpyHostToDevice, stream_));
    // The host buffer may be freed right after we return: wait for the transfer.
    MCSEG_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void CudaBackend::copy_to_host(void* host_dst, const void* src, size_t bytes) {
    MCSEG_CUDA_CHECK(cudaMemcpyAsync(host_dst, src, bytes, cudaMemcpyDeviceToHost, stream_));
    MCSEG_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

void CudaBackend::copy(void* dst, const void* src, size_t bytes) {
    if (bytes) MCSEG_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream_));
}

void CudaBackend::synchronize() { MCSEG_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

// ---- ops ----------------------------------------------------------------------------------------

void CudaBackend::fill(float* y, size_t n, float value) { cuda::fill(stream_, y, n, value); }
void CudaBackend::axpy(float* y, const float* x, size_t n, float alpha) {
    cuda::axpy(stream_, y, x, n, alpha);
}
void CudaBackend::mul(float* y, const float* a, const float* b, size_t n) {
    cuda::mul(stream_, y, a, b, n);
}

void CudaBackend::conv3x3_forward(const Conv3x3Shape& s, const float* x, const float* weight,
                                  const float* bias, float* y) {
    cuda::conv3x3_forward(stream_, s, x, weight, bias, y);
}
void CudaBackend::conv3x3_backward_input(const Conv3x3Shape& s, const float* dy,
                                         const float* weight, float* dx) {
    cuda::conv3x3_backward_input(stream_, s, dy, weight, dx);
}
void CudaBackend::conv3x3_backward_weight(const Conv3x3Shape& s, const float* x, const float* dy,
                                          float* dweight, float* dbias) {
    size_t floats = conv3x3_backward_weight_workspace_floats(s);
    cuda::conv3x3_backward_weight(stream_, s, x, dy, dweight, dbias, {workspace(floats), floats});
}

void CudaBackend::maxpool2x2_forward(const Pool2x2Shape& s, const float* x, float* y) {
    cuda::maxpool2x2_forward(stream_, s, x, y);
}
void CudaBackend::maxpool2x2_backward(const Pool2x2Shape& s, const float* x, const float* dy,
                                      float* dx) {
    cuda::maxpool2x2_backward(stream_, s, x, dy, dx);
}

void CudaBackend::batchnorm_forward_train(const BatchNormShape& s, const float* x,
                                          const float* gamma, const float* beta, float eps,
                                          float momentum, float* y, float* save_mean,
                                          float* save_invstd, float* running_mean,
                                          float* running_var) {
    size_t floats = batchnorm_workspace_floats(s);
    cuda::batchnorm_forward_train(stream_, s, x, gamma, beta, eps, momentum, y, save_mean,
                                  save_invstd, running_mean, running_var, {workspace(floats), floats});
}
void CudaBackend::batchnorm_forward_eval(const BatchNormShape& s, const float* x,
                                         const float* gamma, const float* beta,
                                         const float* running_mean, const float* running_var,
                                         float eps, float* y) {
    cuda::batchnorm_forward_eval(stream_, s, x, gamma, beta, running_mean, running_var, eps, y);
}
void CudaBackend::batchnorm_backward(const BatchNormShape& s, const float* x, const float* dy,
                                     const float* gamma, const float* save_mean,
                                     const float* save_invstd, float* dx, float* dgamma,
                                     float* dbeta) {
    size_t floats = batchnorm_workspace_floats(s);
    cuda::batchnorm_backward(stream_, s, x, dy, gamma, save_mean, save_invstd, dx, dgamma, dbeta,
                             {workspace(floats), floats});
}

void CudaBackend::relu_forward(const float* x, float* y, size_t n) {
    cuda::relu_forward(stream_, x, y, n);
}
void CudaBackend::relu_backward(const float* y, const float* dy, float* dx, size_t n) {
    cuda::relu_backward(stream_, y, dy, dx, n);
}

void CudaBackend::dropout_mask(float* mask, size_t n, float p, uint64_t seed, uint64_t stream) {
    cuda::dropout_mask(stream_, mask, n, p, seed, stream);
}

void CudaBackend::matmul(bool trans_a, bool trans_b, int M, int N, int K, const float* A, int lda,
                         const float* B, int ldb, float* C, int ldc, const float* bias) {
    if (gemm_ == GemmImpl::Tiled) {
        size_t floats = gemm_workspace_floats(M, N, K);
        gemm_tiled(stream_, trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, bias,
                   {floats ? workspace(floats) : nullptr, floats});
        return;
    }
    // Row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: swap operands for cuBLAS.
    const float one = 1.0f, zero = 0.0f;
    MCSEG_CUDA_CHECK(cublasSgemm(cublas_, trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                                 trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K, &one, B, ldb, A, lda,
                                 &zero, C, ldc));
    if (bias) add_row_bias(stream_, C, M, N, bias);
}

// y[n, out] = x[n, in] · W[out, in]ᵀ + b
void CudaBackend::linear_forward(const LinearShape& s, const float* x, const float* weight,
                                 const float* bias, float* y) {
    matmul(false, true, s.n, s.out, s.in, x, s.in, weight, s.in, y, s.out, bias);
}
// dx[n, in] = dy[n, out] · W[out, in]
void CudaBackend::linear_backward_input(const LinearShape& s, const float* dy, const float* weight,
                                        float* dx) {
    matmul(false, false, s.n, s.in, s.out, dy, s.out, weight, s.in, dx, s.in, nullptr);
}
// dW[out, in] = dy[n, out]ᵀ · x[n, in];  db[out] = Σ_n dy[n, out]
void CudaBackend::linear_backward_weight(const LinearShape& s, const float* x, const float* dy,
                                         float* dweight, float* dbias) {
    matmul(true, false, s.out, s.in, s.n, dy, s.out, x, s.in, dweight, s.in, nullptr);
    column_sums(stream_, dy, s.n, s.out, dbias);
}

void CudaBackend::softmax_xent_forward(int n, int k, const float* logits, const float* labels,
                                       float* probs, float* loss) {
    cuda::softmax_xent_forward(stream_, n, k, logits, labels, probs, loss);
}
void CudaBackend::softmax_xent_backward(int n, int k, const float* probs, const float* labels,
                                        const float* dloss, float* dlogits) {
    cuda::softmax_xent_backward(stream_, n, k, probs, labels, dloss, dlogits);
}

void CudaBackend::adam_step(size_t n, float* param, const float* grad, float* m, float* v,
                            float lr, float beta1, float beta2, float eps, int64_t step) {
    cuda::adam_step(stream_, n, param, grad, m, v, lr, beta1, beta2, eps, step);
}
void CudaBackend::sgd_step(size_t n, float* param, const float* grad, float* velocity, float lr,
                           float momentum) {
    cuda::sgd_step(stream_, n, param, grad, velocity, lr, momentum);
}

}  // namespace mcseg::cuda
