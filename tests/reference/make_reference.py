#!/usr/bin/python3
"""tests/reference/make_reference.py — PyTorch-made reference vectors for the engine's tests.

Run with Debian's PyTorch (python3-torch 1.13), from the repository root:

    /usr/bin/python3 tests/reference/make_reference.py            # rewrites tests/reference/*.safetensors
    /usr/bin/python3 tests/reference/make_reference.py --read FILE # checks a file mcseg wrote

It writes, in the safetensors format (written here by hand: Debian packages no safetensors
module), one file per op family with forward outputs and backward gradients, and one file per
training run of the paper's network with three Adam steps. tests/test_reference_*.cpp load them
with the engine's own reader (engine/safetensors.h), which also proves that reader reads files
PyTorch's side wrote.

Conventions inside every file
  * ops_<op>.safetensors: tensors named "<case>.<what>". Backward vectors come from an upstream
    gradient "<case>.dy" drawn at random: every gradient is d(sum(y * dy))/d(input).
  * train_<N><same|valid>_<dropout>.safetensors (49 same without dropout, 29 same and 49 valid
    with an injected dropout mask): "init.<name>" (the state before training,
    names exactly as nets/network.h, i.e. a PyTorch state_dict without num_batches_tracked),
    "input" [n,1,N,N], "labels" [n] (0.0/1.0), optionally "dropout_mask" [n,64] (0 or 1/(1-p),
    the same mask at every step), then per step s = 1..3: "step<s>.loss" [1], "step<s>.logits"
    [n,2] (the forward pass of that step, before the update) and "step<s>.<name>" for every
    parameter after Adam's update and every running statistic after that step's forward pass.
  * The metadata records the configuration, so the C++ test builds the same network.

Size: the files are committed, so they are kept small (batch 4, tiny op inputs). The one large
tensor is fc1.weight ([64, 4608] for N=49 same, [64, 1568] for N=29 same; stored in full every
step it would make the N=49 same file alone 5.4 MB). For those two runs:
  * its initial value is not stored but defined by the counter-based generator the engine
    already has (engine/philox.h, re-implemented below in numpy): element i of the flattened
    tensor is (2·philox_uniform_at(seed, 0, i) − 1)·float32(sqrt(6/fan_in)) (He-uniform, the
    same variance 2/fan_in as He-normal), computed in float32 so both sides get identical bits;
    "init.fc1.weight.row0" (its first row) is stored so the test proves it regenerated it right;
  * the per-step snapshot stores every 16th input column, "step<s>.fc1.weight.cols16" =
    fc1.weight[:, ::16] (all 64 rows, so every output unit's update is still checked).
The N=49 valid run (fc1 [64, 128]) stores everything in full.

Deterministic: fixed seeds, one thread, no data-dependent algorithm choice on the CPU.
"""

import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT_DIR = os.path.dirname(os.path.abspath(__file__))


# ----------------------------------------------------------------------------- safetensors I/O

def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, torch.Tensor) written as F32 in this order."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors:
        a = np.ascontiguousarray(t.detach().cpu().numpy().astype("<f4"))
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def read_safetensors(path):
    """Returns ({name: np.ndarray}, metadata); checks the layout strictly."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError(f"{path}: header length {n} runs past the end of the file")
    header = json.loads(data[8:8 + n])
    metadata = header.pop("__metadata__", {})
    body = data[8 + n:]
    sizes = {"F32": 4, "F64": 8, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "U8": 1}
    kinds = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I64": "<i8", "I32": "<i4", "U8": "u1"}
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        count = int(np.prod(e["shape"])) if e["shape"] else 1
        if not (0 <= b <= end <= len(body)) or end - b != count * sizes[e["dtype"]]:
            raise ValueError(f"{path}: tensor {name} has bad data_offsets {e['data_offsets']}")
        out[name] = np.frombuffer(body[b:end], dtype=kinds[e["dtype"]]).reshape(e["shape"])
    return out, metadata


# ----------------------------------------------------------------------------- helpers

def gen(seed):
    return torch.Generator().manual_seed(seed)


def philox_uniform_at(seed, stream, idx):
    """engine/philox.h's philox_uniform_at for an array of indices: Philox4x32-10 of the counter
    (idx // 4, stream) under the 64-bit key seed, word idx % 4, top 24 bits scaled to [0, 1)."""
    m32 = np.uint64(0xFFFFFFFF)
    idx = np.asarray(idx, dtype=np.uint64)
    ctr = idx // np.uint64(4)
    c = [ctr & m32, ctr >> np.uint64(32), np.full_like(ctr, stream & 0xFFFFFFFF),
         np.full_like(ctr, stream >> 32)]
    k0, k1 = seed & 0xFFFFFFFF, seed >> 32
    for _ in range(10):
        p0 = np.uint64(0xD2511F53) * c[0]
        p1 = np.uint64(0xCD9E8D57) * c[2]
        c = [(p1 >> np.uint64(32)) ^ c[1] ^ np.uint64(k0), p1 & m32, (p0 >> np.uint64(32)) ^ c[3] ^ np.uint64(k1), p0 & m32]
        k0, k1 = (k0 + 0x9E3779B9) & 0xFFFFFFFF, (k1 + 0xBB67AE85) & 0xFFFFFFFF
    words = np.stack(c)[(idx % np.uint64(4)).astype(np.int64), np.arange(idx.size)]
    return (words >> np.uint64(8)).astype(np.float32) * np.float32(1.0 / 16777216.0)


def philox_he_uniform(shape, seed):
    """He-uniform weights from Philox; bit-identical to the same float32 formula in C++."""
    n = int(np.prod(shape))
    a = np.float32(math.sqrt(6.0 / shape[1]))
    u = philox_uniform_at(seed, 0, np.arange(n, dtype=np.uint64))
    return torch.from_numpy(((u * np.float32(2) - np.float32(1)) * a).reshape(shape))


def randn(shape, seed, scale=1.0):
    return torch.randn(shape, generator=gen(seed)) * scale


def forward_backward(fn, inputs, dy_seed):
    """y = fn(*inputs); returns y, dy and d(sum(y*dy))/d(input) for each input."""
    leaves = [t.clone().requires_grad_(True) for t in inputs]
    y = fn(*leaves)
    dy = randn(y.shape, dy_seed)
    (y * dy).sum().backward()
    return y.detach(), dy, [t.grad for t in leaves]


# ----------------------------------------------------------------------------- single ops

def make_conv3x3():
    cases = [  # name, x shape, c_out, pad, relu (ops::conv3x3_relu: the ReLU taken in the same pass)
        ("same_odd_b1", (1, 3, 7, 7), 4, 1, False),
        ("same_even_b2", (2, 2, 6, 8), 3, 1, False),
        ("valid_odd_b3", (3, 2, 9, 7), 5, 0, False),
        ("valid_even_b1", (1, 3, 8, 8), 2, 0, False),
        ("same_width32_b2", (2, 32, 7, 7), 32, 1, False),  # the network's channel count (im2col K = 288)
        ("same_1ch_b2", (2, 1, 9, 9), 32, 1, False),       # conv1's single input channel
        ("relu_same_b2", (2, 3, 7, 6), 4, 1, True),
        ("relu_valid_b1", (1, 32, 8, 8), 32, 0, True),
    ]
    out = []
    for i, (name, xs, co, pad, relu) in enumerate(cases):
        x = randn(xs, 100 + i)
        w = randn((co, xs[1], 3, 3), 200 + i, (2.0 / (9 * xs[1])) ** 0.5)
        b = randn((co,), 300 + i, 0.1)

        def conv(x, w, b):
            y = F.conv2d(x, w, b, padding=pad)
            return F.relu(y) if relu else y
        y, dy, (dx, dw, db) = forward_backward(conv, [x, w, b], 400 + i)
        out += [(f"{name}.{k}", v) for k, v in
                [("x", x), ("weight", w), ("bias", b), ("pad", torch.tensor([float(pad)])),
                 ("relu", torch.tensor([float(relu)])), ("y", y), ("dy", dy), ("dx", dx), ("dweight", dw),
                 ("dbias", db)]]
    return out


def make_maxpool2x2():
    cases = [("even_b2", (2, 3, 6, 6)), ("odd_b1", (1, 2, 7, 5)), ("odd_b3", (3, 1, 5, 5)), ("even_rect_b1", (1, 2, 4, 10))]
    out = []
    for i, (name, xs) in enumerate(cases):
        x = randn(xs, 500 + i)  # continuous values: no ties, so the arg-max is unambiguous
        y, dy, (dx,) = forward_backward(lambda x: F.max_pool2d(x, 2), [x], 600 + i)
        out += [(f"{name}.x", x), (f"{name}.y", y), (f"{name}.dy", dy), (f"{name}.dx", dx)]
    return out


def make_batchnorm():
    """BatchNorm2d and BatchNorm1d, train (batch stats, running-stat update, momentum 0.1,
    eps 1e-5) and eval (running stats). Eval has no backward in the engine (inference only)."""
    cases = [("bn2d_train_b4", (4, 3, 5, 5), True), ("bn2d_train_b1", (1, 2, 4, 3), True),
             ("bn2d_eval_b2", (2, 3, 4, 4), False), ("bn1d_train_b6", (6, 5), True),
             ("bn1d_eval_b3", (3, 5), False)]
    out = []
    for i, (name, xs, training) in enumerate(cases):
        c = xs[1]
        x = randn(xs, 700 + i, 2.0) + 0.5
        gamma = 1 + randn((c,), 710 + i, 0.2)
        beta = randn((c,), 720 + i, 0.2)
        rm = randn((c,), 730 + i, 0.3)
        rv = 1 + torch.rand((c,), generator=gen(740 + i))
        rm_after, rv_after = rm.clone(), rv.clone()

        def fn(x, g, b):
            return F.batch_norm(x, rm_after, rv_after, g, b, training=training, momentum=0.1, eps=1e-5)

        if training:
            y, dy, (dx, dg, db) = forward_backward(fn, [x, gamma, beta], 750 + i)
            grads = [("dy", dy), ("dx", dx), ("dweight", dg), ("dbias", db)]
        else:
            with torch.no_grad():
                y = fn(x, gamma, beta)
            grads = []
        out += [(f"{name}.{k}", v) for k, v in
                [("x", x), ("weight", gamma), ("bias", beta), ("running_mean", rm), ("running_var", rv),
                 ("y", y), ("running_mean_after", rm_after), ("running_var_after", rv_after)] + grads]
    return out


def make_relu():
    x = randn((2, 3, 4, 4), 800)
    y, dy, (dx,) = forward_backward(F.relu, [x], 801)
    return [("b2.x", x), ("b2.y", y), ("b2.dy", dy), ("b2.dx", dx)]


def make_dropout_mask():
    """Dropout with an injected mask: y = x * mask, mask 0 or 1/(1-p) (p = 0.5, as in the net)."""
    x = randn((4, 8), 900)
    mask = (torch.rand((4, 8), generator=gen(901)) >= 0.5).float() / 0.5
    y, dy, (dx,) = forward_backward(lambda x: x * mask, [x], 902)
    return [("p05.x", x), ("p05.mask", mask), ("p05.y", y), ("p05.dy", dy), ("p05.dx", dx)]


def make_linear():
    cases = [("small", 5, 7, 3), ("wide", 3, 300, 20)]
    out = []
    for i, (name, n, fin, fout) in enumerate(cases):
        x = randn((n, fin), 1000 + i)
        w = randn((fout, fin), 1010 + i, fin ** -0.5)
        b = randn((fout,), 1020 + i, 0.1)
        y, dy, (dx, dw, db) = forward_backward(F.linear, [x, w, b], 1030 + i)
        out += [(f"{name}.{k}", v) for k, v in
                [("x", x), ("weight", w), ("bias", b), ("y", y), ("dy", dy), ("dx", dx), ("dweight", dw), ("dbias", db)]]
    return out


def make_softmax_xent():
    """Mean softmax cross-entropy; labels stored as floats (class indices), as the engine takes them."""
    cases = [("k2_b6", 6, 2), ("k5_b4", 4, 5)]
    out = []
    for i, (name, n, k) in enumerate(cases):
        logits = randn((n, k), 1100 + i, 2.0)
        labels = torch.randint(0, k, (n,), generator=gen(1110 + i))
        lg = logits.clone().requires_grad_(True)
        loss = F.cross_entropy(lg, labels)
        loss.backward()
        out += [(f"{name}.logits", logits), (f"{name}.labels", labels.float()), (f"{name}.loss", loss.detach().reshape(1)),
                (f"{name}.probs", F.softmax(logits, dim=1)), (f"{name}.dlogits", lg.grad)]
    return out


# ----------------------------------------------------------------------------- the network

class Net(nn.Module):
    """The paper's network, layer for layer as nets/network.h (same parameter names)."""

    def __init__(self, patch, same, filters=32, fc=64):
        super().__init__()
        pad = 1 if same else 0
        side = patch
        for k in range(1, 7):
            setattr(self, f"conv{k}", nn.Conv2d(1 if k == 1 else filters, filters, 3, padding=pad))
            setattr(self, f"bn{k}", nn.BatchNorm2d(filters, momentum=0.1, eps=1e-5))
            side -= 2 * (1 - pad)
            if k <= 2:
                side //= 2
            if side < 1:
                raise ValueError(f"patch {patch} is too small for the {'same' if same else 'valid'} network")
        self.fc1 = nn.Linear(filters * side * side, fc)
        self.bn7 = nn.BatchNorm1d(fc, momentum=0.1, eps=1e-5)
        self.fc2 = nn.Linear(fc, 2)

    def forward(self, x, dropout_mask=None):
        for k in range(1, 7):
            x = F.relu(getattr(self, f"bn{k}")(getattr(self, f"conv{k}")(x)))
            if k <= 2:
                x = F.max_pool2d(x, 2)
        x = F.relu(self.bn7(self.fc1(torch.flatten(x, 1))))
        if dropout_mask is not None:
            x = x * dropout_mask
        return self.fc2(x)

    def named_state(self):
        return [(k, v) for k, v in self.state_dict().items() if not k.endswith("num_batches_tracked")]


def init_net(net, seed):
    """He (Kaiming normal, fan_in) weights as the paper; small random biases and BN affine
    parameters instead of 0/1, so that a mistake in their gradients cannot hide."""
    g = gen(seed)
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name.endswith("weight") and p.dim() > 1:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=g) * (2.0 / fan_in) ** 0.5)
            elif name.startswith("bn") and name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.05 * torch.randn(p.shape, generator=g))


def make_training(patch, same, batch, dropout_mask_p, seed, subsample_fc1):
    net = Net(patch, same)
    init_net(net, seed)
    if subsample_fc1:
        with torch.no_grad():
            net.fc1.weight.copy_(philox_he_uniform(tuple(net.fc1.weight.shape), seed))
    x = randn((batch, 1, patch, patch), seed + 1)
    labels = torch.tensor([float(i % 2) for i in range(batch)])
    mask = None
    if dropout_mask_p is not None:
        keep = torch.rand((batch, 64), generator=gen(seed + 2)) >= dropout_mask_p
        mask = keep.float() / (1 - dropout_mask_p)
    out = []
    for k, v in net.named_state():
        if subsample_fc1 and k == "fc1.weight":
            out.append(("init.fc1.weight.row0", v[0].clone()))
        else:
            out.append((f"init.{k}", v.clone()))
    out += [("input", x), ("labels", labels)] + ([("dropout_mask", mask)] if mask is not None else [])
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    net.train()
    for step in range(1, 4):
        opt.zero_grad()
        logits = net(x, mask)
        loss = F.cross_entropy(logits, labels.long())
        loss.backward()
        opt.step()
        out += [(f"step{step}.loss", loss.detach().reshape(1)), (f"step{step}.logits", logits.detach())]
        for k, v in net.named_state():
            if subsample_fc1 and k == "fc1.weight":
                out.append((f"step{step}.fc1.weight.cols16", v[:, ::16].clone()))
            else:
                out.append((f"step{step}.{k}", v.clone()))
    meta = {"patch": patch, "same": int(same), "filters": 32, "fc": 64, "batch": batch, "steps": 3,
            "optimizer": "adam lr=1e-3 betas=(0.9,0.999) eps=1e-8", "bn_momentum": 0.1, "bn_eps": 1e-5,
            "dropout": "none" if mask is None else f"injected mask p={dropout_mask_p}",
            "fc1_weight_snapshots": "every 16th column" if subsample_fc1 else "full",
            "fc1_weight_init": f"philox he-uniform seed={seed} stream=0" if subsample_fc1 else "stored"}
    return out, meta


# ----------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--read", metavar="FILE", help="read a safetensors file mcseg wrote and check it")
    args = ap.parse_args()
    torch.set_num_threads(1)

    if args.read:
        tensors, meta = read_safetensors(args.read)
        for name, a in tensors.items():
            if not np.all(np.isfinite(a)):
                sys.exit(f"{args.read}: tensor {name} holds non-finite values")
        names = {k for k in tensors}
        print(json.dumps({"file": args.read, "tensors": len(tensors), "metadata": meta,
                          "network_state": all(f"conv{k}.weight" in names for k in range(1, 7))}))
        # A network state written by mcseg must load into the PyTorch model unchanged.
        if "conv1.weight" in names and "fc2.bias" in names:
            cfg = json.loads(meta["config"]) if "config" in meta else {"patch": 49, "same": True}
            net = Net(int(cfg.get("patch", 49)), bool(cfg.get("same", True)), int(cfg.get("filters", 32)),
                      int(cfg.get("fc", 64)))
            net.load_state_dict({k: torch.from_numpy(tensors[k].copy()) for k, _ in net.named_state()}, strict=False)
            print(json.dumps({"loaded_into_pytorch": True}))
        return

    torch.manual_seed(0)
    ops = {"conv3x3": make_conv3x3, "maxpool2x2": make_maxpool2x2, "batchnorm": make_batchnorm,
           "relu": make_relu, "dropout_mask": make_dropout_mask, "linear": make_linear,
           "softmax_xent": make_softmax_xent}
    common = {"generator": "tests/reference/make_reference.py", "torch": torch.__version__}
    for name, fn in ops.items():
        write_safetensors(os.path.join(OUT_DIR, f"ops_{name}.safetensors"), fn(), dict(common, op=name))

    # N = 29 with valid convolutions is impossible: 29 -> 27 -> pool 13 -> 11 -> pool 5 -> 3 -> 1
    # and conv5 would have nothing left (the network needs N >= 42 when valid).
    runs = [("train_49same_nodropout", 49, True, 4, None, 2000, True),
            ("train_29same_mask", 29, True, 4, 0.5, 3000, True),
            ("train_49valid_mask", 49, False, 4, 0.5, 4000, False)]
    for name, patch, same, batch, p, seed, sub in runs:
        tensors, meta = make_training(patch, same, batch, p, seed, sub)
        write_safetensors(os.path.join(OUT_DIR, f"{name}.safetensors"), tensors, dict(common, **meta))

    total = sum(os.path.getsize(os.path.join(OUT_DIR, f)) for f in os.listdir(OUT_DIR) if f.endswith(".safetensors"))
    print(f"wrote the reference vectors to {OUT_DIR} ({total / 1e6:.2f} MB in all)")


if __name__ == "__main__":
    main()
