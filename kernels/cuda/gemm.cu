// kernels/cuda/gemm.cu — the hand-written single-precision matrix multiply behind the linear
// layer, plus the bias helpers (row-bias add, column sums for the bias gradient).
//
// Row-major C[M×N] = op(A)·op(B) (+ bias[N] on every row). Classic shared-memory tiling: a
// 256-thread block computes a 64×64 tile of C, walking K in steps of 16; each step stages a
// 64×16 slice of op(A) and a 16×64 slice of op(B) in shared memory (loaded so that consecutive
// threads read consecutive addresses whichever way the operand is transposed), and each thread
// accumulates a 4×4 sub-tile in registers (rows tr+16i, columns tc+16j, so the 16 threads of a
// row read 16 consecutive shared-memory words: no bank conflicts). When C has few tiles and K is
// long (fc1 forward: 256×64 outputs over K = 4608 is 4 tiles), K is split over blockIdx.z into
// slices that write partial products, added in a fixed order by a second kernel (split-K, still
// deterministic), so that enough blocks run. cuBLAS is the reference (selectable at run time in
// the CUDA backend).
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/kernels.h"
#include "kernels/cuda/launch.h"

namespace mcseg::cuda {

namespace {

constexpr int kBM = 64, kBN = 64, kBK = 16;

// Block z multiplies the K slice [z·k_chunk, (z+1)·k_chunk). With `partial` null the result
// (+ bias) goes to C; otherwise to partial[z][M][N], without bias.
__global__ void gemm_tiled_kernel(bool trans_a, bool trans_b, int M, int N, int K, int k_chunk,
                                  const float* A, int lda, const float* B, int ldb, float* C,
                                  int ldc, const float* bias, float* partial) {
    __shared__ float As[kBK][kBM + 4];
    __shared__ float Bs[kBK][kBN + 4];
    const int tid = threadIdx.x, tr = tid / 16, tc = tid % 16;
    const int m0 = int(blockIdx.y) * kBM, n0 = int(blockIdx.x) * kBN;
    const int k_begin = int(blockIdx.z) * k_chunk;
    const int k_end = k_begin + k_chunk < K ? k_begin + k_chunk : K;
    float acc[4][4] = {};
    for (int k0 = k_begin; k0 < k_end; k0 += kBK) {
        for (int e = tid; e < kBM * kBK; e += 256) {
            int m = trans_a ? e % kBM : e / kBK, kk = trans_a ? e / kBM : e % kBK;
            int gm = m0 + m, gk = k0 + kk;
            float v = 0.0f;
            if (gm < M && gk < k_end) v = trans_a ? A[size_t(gk) * lda + gm] : A[size_t(gm) * lda + gk];
            As[kk][m] = v;
        }
        for (int e = tid; e < kBK * kBN; e += 256) {
            int n = trans_b ? e / kBK : e % kBN, kk = trans_b ? e % kBK : e / kBN;
            int gn = n0 + n, gk = k0 + kk;
            float v = 0.0f;
            if (gn < N && gk < k_end) v = trans_b ? B[size_t(gn) * ldb + gk] : B[size_t(gk) * ldb + gn];
            Bs[kk][n] = v;
        }
        __syncthreads();
        for (int kk = 0; kk < kBK; ++kk) {
            float a[4], b[4];
            for (int i = 0; i < 4; ++i) a[i] = As[kk][tr + 16 * i];
            for (int j = 0; j < 4; ++j) b[j] = Bs[kk][tc + 16 * j];
            for (int i = 0; i < 4; ++i)
                for (int j = 0; j < 4; ++j) acc[i][j] += a[i] * b[j];
        }
        __syncthreads();
    }
    for (int i = 0; i < 4; ++i) {
        int gm = m0 + tr + 16 * i;
        if (gm >= M) continue;
        for (int j = 0; j < 4; ++j) {
            int gn = n0 + tc + 16 * j;
            if (gn >= N) continue;
            if (partial) partial[(size_t(blockIdx.z) * M + gm) * N + gn] = acc[i][j];
            else C[size_t(gm) * ldc + gn] = acc[i][j] + (bias ? bias[gn] : 0.0f);
        }
    }
}

__global__ void splitk_reduce_kernel(int slices, int M, int N, const float* partial, float* C,
                                     int ldc, const float* bias) {
    const unsigned total = unsigned(M) * unsigned(N), cols = unsigned(N);
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
        float t = 0.0f;
        for (int z = 0; z < slices; ++z) t += partial[size_t(z) * total + i];
        C[size_t(i / cols) * ldc + i % cols] = t + (bias ? bias[i % cols] : 0.0f);
    }
}

// K slices: 1 unless C has few 64×64 tiles and K is long; then enough to reach ~128 blocks,
// each slice at least 256 deep.
int k_slices(int M, int N, int K) {
    int tiles = ((M + kBM - 1) / kBM) * ((N + kBN - 1) / kBN);
    if (tiles >= 32 || K < 1024) return 1;
    int s = K / 256;
    if (s > 128 / tiles) s = 128 / tiles;
    return s < 1 ? 1 : (s > 32 ? 32 : s);
}

int k_chunk_for(int K, int slices) {  // slice depth, a multiple of the K tile
    int chunk = (K + slices - 1) / slices;
    return (chunk + kBK - 1) / kBK * kBK;
}

__global__ void add_row_bias_kernel(float* C, int M, int N, const float* bias) {
    const unsigned total = unsigned(M) * unsigned(N), cols = unsigned(N);
    for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x)
        C[i] += bias[i % cols];
}

// One thread per column; consecutive threads read consecutive columns of a row (coalesced).
__global__ void column_sums_kernel(const float* A, int M, int N, float* out) {
    for (int j = int(blockIdx.x * blockDim.x + threadIdx.x); j < N; j += int(gridDim.x * blockDim.x)) {
        float t = 0.0f;
        for (int i = 0; i < M; ++i) t += A[size_t(i) * N + j];
        out[j] = t;
    }
}

}  // namespace

size_t gemm_workspace_floats(int M, int N, int K) {
    int slices = k_slices(M, N, K);
    return slices > 1 ? size_t(slices) * M * N : 0;
}

void gemm_tiled(cudaStream_t s, bool trans_a, bool trans_b, int M, int N, int K, const float* A,
                int lda, const float* B, int ldb, float* C, int ldc, const float* bias,
                Workspace ws) {
    if (M <= 0 || N <= 0) return;
    int slices = k_slices(M, N, K);
    const int chunk = k_chunk_for(K, slices);
    slices = chunk ? (K + chunk - 1) / chunk : 1;  // no empty slice
    dim3 grid(unsigned((N + kBN - 1) / kBN), unsigned((M + kBM - 1) / kBM), unsigned(slices));
    if (slices == 1) {
        launch(gemm_tiled_kernel, {grid, 256, 0, s}, trans_a, trans_b, M, N, K, K, A, lda, B, ldb,
               C, ldc, bias, nullptr);
        return;
    }
    if (ws.floats < size_t(slices) * M * N) fail("gemm_tiled: workspace of ", ws.floats, " floats is too small");
    require_32bit_index(size_t(M) * N, "gemm_tiled");
    launch(gemm_tiled_kernel, {grid, 256, 0, s}, trans_a, trans_b, M, N, K, chunk, A, lda, B, ldb,
           C, ldc, bias, ws.data);
    launch(splitk_reduce_kernel, {blocks_for(size_t(M) * N), kThreads, 0, s}, slices, M, N, ws.data,
           C, ldc, bias);
}

void add_row_bias(cudaStream_t s, float* C, int M, int N, const float* bias) {
    size_t total = size_t(M) * N;
    require_32bit_index(total, "add_row_bias");
    if (total) launch(add_row_bias_kernel, {blocks_for(total), kThreads, 0, s}, C, M, N, bias);
}

void column_sums(cudaStream_t s, const float* A, int M, int N, float* out) {
    if (N > 0) launch(column_sums_kernel, {blocks_for(size_t(N)), kThreads, 0, s}, A, M, N, out);
}

}  // namespace mcseg::cuda
