#!/usr/bin/python3
"""bench/peer_torch_segment.py — the PyTorch CPU peer of `mcseg bench segment`.

The Detector and Segmentator stages of `mcseg segment` on one mammogram, written the way a
skilled PyTorch user would, for the valid N = 49 networks that mcseg ships. mcseg bench segment
hands it a folder DIR with the networks' input (the normalised image, after Otsu, which both
sides leave out of the timing) and reads back what it found, to check that both computed the
same thing before the times are compared:

  DIR/meta.json    width, height, detector, segmentator (weights files), detector_threshold
  DIR/input.f32    the normalised image, float32, row-major height x width
  DIR/breast.u8    the breast mask, one byte per pixel
  -> DIR/prob.u8   round(255 P) of every candidate pixel (0 elsewhere), as mcseg's _prob.png
  -> DIR/cand.u8   1 on the candidate pixels (inside a positive Detector window and the breast)
  and one JSON line on stdout: seconds per stage, windows, positive windows, candidate pixels.

Tuning (what the peer does):
  * batch norm folded into the conv weights, fc1 and its batch norm folded into one conv;
  * no per-patch work: the Detector's trunk runs once per image tile at stride 4 and fc1 is a
    2x2 conv of stride 6 over it (one output per window of stride 24); the Segmentator's trunk
    runs "a trous" by phase decomposition: conv1 once at full resolution, max-pool with stride 1,
    split into 2x2 phases (batch), conv2, again, conv3..6 on the 16 phases, fc1 as a 2x2 conv,
    fc2 as a 1x1 conv; every conv runs once per output position it feeds;
  * torch.inference_mode, torch.set_num_threads(--threads), glibc told by the caller to keep
    freed buffers (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_);
  * the conv layout is measured, not assumed: plain NCHW, channels_last and oneDNN (mkldnn)
    modules are each timed on one tile of each stage and the fastest is used (--layout forces one);
  * tiles small enough for the caches: 16 x 16 Detector windows (409 px), 256 x 256 Segmentator
    pixels (304 px with the patch).
Tried and not kept: Detector tiles of 24 and 40 windows (10x slower per window: their tensors of
100 MB leave the caches and are mmap-ed afresh by every call); conv1 (one input channel) as nine
shifted copies and a 1x1 conv or a matmul (slower than the 3x3 conv of oneDNN or channels_last).

Run from the repository root with Debian's PyTorch: /usr/bin/python3 bench/peer_torch_segment.py DIR
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "reference"))
from make_reference import read_safetensors  # noqa: E402  (the one Python reader of our weights)
from peer_torch_cpu import fold  # noqa: E402  (the one batch-norm folding of the peers)

N = 49          # patch side of the valid networks this peer supports
STRIDE = 4      # of the trunk's output grid (two 2x2 pools)
SEG_TILE = 256  # Segmentator top-lefts per tile side (multiple of 4), as mcseg's default --tile
DET_TILE = 16   # Detector windows per tile side (409 px: 24 and more ran 10x slower per window,
                # their 100 MB tensors out of cache and mmap-ed afresh each call)


class FoldedNet:
    """A valid N=49 network with its batch norms folded: six (weight, bias) convs, fc1 as a
    [fc, filters, 2, 2] conv (its input is the 2x2 trunk output, flattened c*4 + y*2 + x), fc2."""

    def __init__(self, path):
        t, meta = read_safetensors(path)
        cfg = json.loads(meta["mcseg.net"])
        if cfg.get("same", True) or cfg.get("patch", 49) != N:
            raise SystemExit(f"peer: {path}: only valid N={N} networks are supported")
        eps = float(cfg.get("bn_eps", 1e-5))
        g = {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in t.items()}

        def fold_named(w, b, bn):
            return fold(w, b, g[f"{bn}.weight"], g[f"{bn}.bias"], g[f"{bn}.running_mean"], g[f"{bn}.running_var"], eps)

        self.convs = [fold_named(g[f"conv{k}.weight"], g[f"conv{k}.bias"], f"bn{k}") for k in range(1, 7)]
        filters = self.convs[0][0].shape[0]
        w1, b1 = fold_named(g["fc1.weight"], g["fc1.bias"], "bn7")
        self.fc1 = (w1.reshape(w1.shape[0], filters, 2, 2).contiguous(), b1)
        w2 = g["fc2.weight"]
        self.fc2 = (w2.reshape(w2.shape[0], w2.shape[1], 1, 1).contiguous(), g["fc2.bias"])


class Layers:
    """The convs of a FoldedNet in one memory layout: "plain", "channels_last" or "mkldnn"."""

    def __init__(self, net, layout):
        self.layout = layout
        mods = []
        for w, b in net.convs + [net.fc1, net.fc2]:
            m = torch.nn.Conv2d(w.shape[1], w.shape[0], w.shape[2], bias=True)
            m.weight.data.copy_(w)
            m.bias.data.copy_(b)
            m.eval()
            if layout == "channels_last":
                m = m.to(memory_format=torch.channels_last)
            mods.append(m)
        self.fc1_stride6 = torch.nn.Conv2d(mods[6].in_channels, mods[6].out_channels, 2, stride=6)
        self.fc1_stride6.weight.data.copy_(mods[6].weight.data)
        self.fc1_stride6.bias.data.copy_(mods[6].bias.data)
        if layout == "mkldnn":
            from torch.utils import mkldnn as mk
            mods = [mk.to_mkldnn(m) for m in mods]
            self.fc1_stride6 = mk.to_mkldnn(self.fc1_stride6)
        self.mods = mods

    def enter(self, x):
        if self.layout == "mkldnn":
            return x.to_mkldnn()
        return x.contiguous(memory_format=torch.channels_last) if self.layout == "channels_last" else x

    def leave(self, x):
        return x.to_dense() if self.layout == "mkldnn" else x.contiguous()

    def conv_relu(self, k, x):
        return F.relu(self.mods[k](x))

    def head(self, x, fc1):
        """fc1 (+bn7) -> relu -> fc2 -> P(class 1), from layout tensors to a dense [n, h, w]."""
        logits = self.leave(self.mods[7](F.relu(fc1(x))))
        return torch.softmax(logits, dim=1)[:, 1]


def split_phases(x):
    """[n, c, h, w] -> [4n, c, h//2, w//2]: image 4i + 2a + b is x[i, :, a::2, b::2] (cut to even)."""
    n, c, h, w = x.shape
    h2, w2 = h // 2, w // 2
    x = x[:, :, :2 * h2, :2 * w2].reshape(n, c, h2, 2, w2, 2)
    return x.permute(0, 3, 5, 1, 2, 4).reshape(4 * n, c, h2, w2)


def segmentator_tile(L, x):
    """P of every top-left of a tile: x [1, 1, T + N - 1, T + N - 1] -> [T, T] (T = SEG_TILE)."""
    h = L.conv_relu(0, L.enter(x))
    for k in (1, 2):  # after conv1 and conv2: stride-1 max-pool, then split into phases
        h = split_phases(L.leave(F.max_pool2d(h, 2, stride=1)))
        h = L.enter(h)
        if k == 1:
            h = L.conv_relu(1, h)
    for k in range(2, 6):
        h = L.conv_relu(k, h)
    p = L.head(h, L.mods[6])  # [16, T/4, T/4], image 4*(2 a1 + b1) + 2 a2 + b2
    cells = SEG_TILE // STRIDE
    p = p[:, :cells, :cells].reshape(2, 2, 2, 2, cells, cells)  # a1, b1, a2, b2, i, j
    # offset (oy, ox) = (a1 + 2 a2, b1 + 2 b2); top-left (oy + 4 i, ox + 4 j)
    return p.permute(4, 2, 0, 5, 3, 1).reshape(SEG_TILE, SEG_TILE)


def window_starts(length, n, stride):
    s = list(range(0, length - n + 1, stride))
    if not s or s[-1] + n < length:
        s.append(length - n)
    return s


def trunk(L, x):
    """The plain conv trunk (stride-2 pools) of x [n, 1, h, w], in L's layout."""
    h = L.enter(x)
    for k in range(6):
        h = L.conv_relu(k, h)
        if k < 2:
            h = F.max_pool2d(h, 2)
    return h


def detector_tile(L, tile):
    """P of the windows of stride 24 in a tile (their top-lefts at 24 i, 24 j) -> [rows, cols]."""
    return L.head(trunk(L, tile[None, None].contiguous()), L.fc1_stride6)[0]


def detector(L, img, breast, threshold):
    """P of every half-overlapping window touching the breast; returns (windows, positives)."""
    H, W = img.shape
    stride = N // 2
    ys, xs = window_starts(H, N, stride), window_starts(W, N, stride)
    sat = np.pad(breast.astype(np.int64).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    def touches(x0, y0):
        return sat[y0 + N, x0 + N] - sat[y0, x0 + N] - sat[y0 + N, x0] + sat[y0, x0] > 0
    prob = {}
    t = torch.from_numpy(img)
    span = stride * DET_TILE
    regular_y = [y for y in ys if y % stride == 0]
    regular_x = [x for x in xs if x % stride == 0]
    for ty in range(0, len(regular_y), DET_TILE):
        for tx in range(0, len(regular_x), DET_TILE):
            wy, wx = regular_y[ty:ty + DET_TILE], regular_x[tx:tx + DET_TILE]
            if not any(touches(x, y) for y in wy for x in wx):
                continue
            y0, x0 = wy[0], wx[0]
            p = detector_tile(L, t[y0:y0 + span - stride + N, x0:x0 + span - stride + N])
            for i, y in enumerate(wy):
                for j, x in enumerate(wx):
                    prob[(x, y)] = float(p[i, j])
    # The flush last row and column (top-left length - N, off the stride): one patch each.
    rest = [(x, y) for y in ys for x in xs if (x % stride or y % stride)]
    if rest:
        patches = torch.stack([t[y:y + N, x:x + N] for x, y in rest])[:, None].contiguous()
        p = L.head(trunk(L, patches), L.mods[6])[:, 0, 0]
        for (x, y), q in zip(rest, p.tolist()):
            prob[(x, y)] = q
    windows = [(x, y) for y in ys for x in xs if touches(x, y)]
    return windows, [w for w in windows if prob[w] > threshold]


def segmentator(L, img, cand):
    """round(255 P) of every candidate pixel, tile by tile over the tiles that hold candidates."""
    H, W = img.shape
    half, margin = N // 2, N
    padded = F.pad(torch.from_numpy(img)[None, None], (margin, margin + SEG_TILE, margin, margin + SEG_TILE),
                   mode="replicate")[0, 0]
    out = np.zeros((H, W), np.uint8)
    for cy in range(0, H, SEG_TILE):
        for cx in range(0, W, SEG_TILE):
            c = cand[cy:cy + SEG_TILE, cx:cx + SEG_TILE]
            if not c.any():
                continue
            # top-left of pixel (cx, cy)'s patch is (cx - half, cy - half): padded coordinates + margin
            y0, x0 = cy - half + margin, cx - half + margin
            tile = padded[y0:y0 + SEG_TILE + N - 1, x0:x0 + SEG_TILE + N - 1][None, None].contiguous()
            p = segmentator_tile(L, tile)[:c.shape[0], :c.shape[1]].numpy()
            q = np.floor(255.0 * p + 0.5).astype(np.uint8)
            out[cy:cy + SEG_TILE, cx:cx + SEG_TILE][c] = q[c]
    return out


def pick_layout(net, tile_fn, tile, wanted):
    """The layout to run `net` in: `wanted`, or the fastest on one tile (times in seconds)."""
    if wanted != "auto":
        return Layers(net, wanted), {}
    times = {}
    for layout in ("plain", "channels_last", "mkldnn"):
        L = Layers(net, layout)
        tile_fn(L, tile)  # warm-up: oneDNN builds its primitives on the first call
        best = float("inf")
        for _ in range(3):  # the fastest of three: a neighbour's burst only slows a run down
            t0 = time.perf_counter()
            tile_fn(L, tile)
            best = min(best, time.perf_counter() - t0)
        times[layout] = best
    return Layers(net, min(times, key=times.get)), times


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--layout", choices=("auto", "plain", "channels_last", "mkldnn"), default="auto")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    meta = json.load(open(os.path.join(args.dir, "meta.json")))
    H, W = meta["height"], meta["width"]
    img = np.fromfile(os.path.join(args.dir, "input.f32"), dtype="<f4").reshape(H, W)
    breast = np.fromfile(os.path.join(args.dir, "breast.u8"), dtype=np.uint8).reshape(H, W) > 0
    det_net, seg_net = FoldedNet(meta["detector"]), FoldedNet(meta["segmentator"])
    with torch.inference_mode():
        t = torch.from_numpy(img)
        seg_tile = t[:SEG_TILE + N - 1, :SEG_TILE + N - 1][None, None].contiguous()
        det_side = (DET_TILE - 1) * (N // 2) + N
        det_l, det_trial = pick_layout(det_net, detector_tile, t[:det_side, :det_side], args.layout)
        seg_l, seg_trial = pick_layout(seg_net, segmentator_tile, seg_tile, args.layout)
        t0 = time.perf_counter()
        windows, positive = detector(det_l, img, breast, meta["detector_threshold"])
        cand = np.zeros((H, W), bool)
        for x, y in positive:
            cand[y:y + N, x:x + N] = True
        cand &= breast
        t1 = time.perf_counter()
        prob = segmentator(seg_l, img, cand)
        t2 = time.perf_counter()
    prob.tofile(os.path.join(args.dir, "prob.u8"))
    cand.astype(np.uint8).tofile(os.path.join(args.dir, "cand.u8"))
    print(json.dumps({"detector_seconds": t1 - t0, "segmentator_seconds": t2 - t1, "seconds": t2 - t0,
                      "windows": len(windows), "positive_windows": len(positive),
                      "candidate_pixels": int(cand.sum()),
                      "layout": {"detector": det_l.layout, "segmentator": seg_l.layout},
                      "layout_trial_seconds": {"detector": det_trial, "segmentator": seg_trial},
                      "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
