// kernels/cuda/elementwise.cu — fill, axpy, mul and ReLU forward/backward.
//
// Memory-bound one-liners: a grid-stride loop per kernel (each thread walks the array with a
// stride of the whole grid), so one launch shape serves any n, and consecutive threads touch
// consecutive floats (coalesced loads and stores).
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/kernels.h"
#include "kernels/cuda/launch.h"

namespace mcseg::cuda {

namespace {

__device__ __forceinline__ size_t first_index() { return size_t(blockIdx.x) * blockDim.x + threadIdx.x; }
__device__ __forceinline__ size_t grid_stride() { return size_t(gridDim.x) * blockDim.x; }

__global__ void fill_kernel(float* y, size_t n, float value) {
    for (size_t i = first_index(); i < n; i += grid_stride()) y[i] = value;
}

__global__ void axpy_kernel(float* y, const float* x, size_t n, float alpha) {
    for (size_t i = first_index(); i < n; i += grid_stride()) y[i] += alpha * x[i];
}

__global__ void mul_kernel(float* y, const float* a, const float* b, size_t n) {
    for (size_t i = first_index(); i < n; i += grid_stride()) y[i] = a[i] * b[i];
}

__global__ void relu_forward_kernel(const float* x, float* y, size_t n) {
    for (size_t i = first_index(); i < n; i += grid_stride()) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

// Uses the output: y > 0 exactly where x > 0.
__global__ void relu_backward_kernel(const float* y, const float* dy, float* dx, size_t n) {
    for (size_t i = first_index(); i < n; i += grid_stride()) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

}  // namespace

void fill(cudaStream_t s, float* y, size_t n, float value) {
    if (n) launch(fill_kernel, {blocks_for(n), kThreads, 0, s}, y, n, value);
}
void axpy(cudaStream_t s, float* y, const float* x, size_t n, float alpha) {
    if (n) launch(axpy_kernel, {blocks_for(n), kThreads, 0, s}, y, x, n, alpha);
}
void mul(cudaStream_t s, float* y, const float* a, const float* b, size_t n) {
    if (n) launch(mul_kernel, {blocks_for(n), kThreads, 0, s}, y, a, b, n);
}
void relu_forward(cudaStream_t s, const float* x, float* y, size_t n) {
    if (n) launch(relu_forward_kernel, {blocks_for(n), kThreads, 0, s}, x, y, n);
}
void relu_backward(cudaStream_t s, const float* y, const float* dy, float* dx, size_t n) {
    if (n) launch(relu_backward_kernel, {blocks_for(n), kThreads, 0, s}, y, dy, dx, n);
}

}  // namespace mcseg::cuda
