// apps/segment/dense.h — the dense ("fully convolutional") mode of `mcseg segment`: the network
// evaluated at many patch positions of one image, with the conv trunk run once over a tile of
// the image (à trous, see below) instead of once per patch, and fc1 applied to S×S windows of
// its output (S = final_side, 12 for N = 49 same) — fc1 over windows is an S×S convolution, done
// as a gather of the needed windows into a matrix and one GEMM (ops::linear), then bn7, ReLU,
// fc2, softmax.
//
// Index mapping. The trunk pools twice (2×2, stride 2, floor), so its output is a grid of
// stride 4: run on a tile whose pixel (0, 0) is image pixel (X, Y), output cell (i, j) stands for
// image rows Y + 4i .. Y + 4i + 3 and columns X + 4j .. X + 4j + 3. The patch with top-left
// (X + 4j, Y + 4i) meets the same cells i .. i+S−1, j .. j+S−1 through every layer: its pools
// start on the same (even) rows and columns, and what its floor pooling drops (row and column
// 48 of 0..48 for N = 49) belongs to no cell of its window. So that patch's fc1 input is the
// S×S window of cells with corner (i, j), read in Network::forward's flatten order
// c·S·S + y·S + x. A patch with offset (ox, oy) = top-left mod 4 needs the trunk of the tile
// shifted by (ox, oy); a patch's centre pixel is its top-left + N/2, as in the exact mode.
//
// À trous. The 16 shifted trunks are not run one by one: conv1 runs once over the tile; a 2×2
// max-pool at stride 1 followed by keeping every other row and column starting at row a and
// column b (a "phase", a, b ∈ {0, 1}) is the stride-2 pool that offsets with oy ≡ a and ox ≡ b
// (mod 2) see, so conv2 runs on the (at most 4) phases the positions need, as one batch; the
// second pool splits each into phases again, and conv3..conv6 run on the (at most 16) resulting
// maps. Every conv then runs once per output position it feeds: for the Segmentator, whose
// pixels take all 16 offsets, conv1 does 1/16 and conv2 1/4 of the work of 16 shifted trunks
// (conv3..conv6 the same). Batch norms are folded into the conv weights (Network::folded_conv),
// so each layer is one conv and one ReLU.
//
// Tiles. Positions are grouped by `tile` × `tile` block of top-lefts; a block's tile spans its
// positions' patches at every offset (3 pixels more than one offset needs) plus a halo of 20
// pixels (5 cells) on every side for same nets — a cell reaches 1 + 2 + 4·4 = 19 pixels past its
// own 4 through conv1, conv2 and conv3..conv6, rounded up to the stride — so the zero padding at
// a tile's or phase's border never reaches a used cell and the result does not depend on the
// tiling. Valid nets never pad and need none. Pixels outside the image repeat the edge, as in the
// exact mode. A tile spans the bounding box of its positions rounded up to 16 cells (64 px), and
// the gathered windows of consecutive tiles fill head calls of exactly `batch` rows: few distinct
// tensor shapes, because the CPU backend caches freed blocks per size (a new size per call piled
// up 8 GB on a full mammogram).
//
// Work: the Detector's windows (stride 24 = 6 cells) mostly share offset (0, 0), so its trunk
// runs about once over the breast, without phases; fc1 costs 2·filters·S²·fc FLOPs per position
// whatever the mode.
//
// Dense vs exact. Valid nets: the same function up to float rounding. Same nets: in the exact
// mode every conv zero-pads each patch at the patch's own border, while in the dense mode it sees
// the true neighbouring pixels (features) there; that padding is the only difference.
#pragma once
#include "apps/segment/network_input.h"
#include "nets/network.h"

namespace mcseg {

// Dense counterpart of exact_probabilities: P(positive) of the patch at each top-left (any
// order, any positions, inside the image or not). `tile` (rounded down to a multiple of 4) bounds
// the trunk's input to about (tile + N + 40)² pixels; `batch` (>= 1) bounds the rows of one gather. *gflop receives
// the FLOPs actually done (trunk over every tile plus the FCs of every position) / 1e9.
std::vector<float> dense_probabilities(Network& net, const NormalisedImage& img, const TopLefts& at, int tile,
                                       int batch, double* gflop, const StageProgress& progress = {});

}  // namespace mcseg
