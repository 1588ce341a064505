#!/usr/bin/python3
"""bench/peer_torch_cpu.py — the PyTorch CPU peer of `mcseg bench cpu`.

Times the paper's network (the same definition the reference vectors use,
tests/reference/make_reference.py's Net) on the CPU with PyTorch: a training step (forward in
training mode with dropout 0.5, mean cross-entropy, backward, Adam lr 1e-3) at --batch, and
inference (eval mode, no autograd) at --infer-batch. Warm-up iterations first, then timed
iterations until --seconds have passed (at least --min-iters). Prints one JSON object:
{"train_samples_per_s": ..., "infer_patches_per_s": ..., "..._mean": ..., "threads": ..., "torch": ...}
where the plain rates are those of the fastest iteration (the machine is shared; others' work
only slows an iteration down) and the _mean ones cover the whole timed window, exactly as
`mcseg bench cpu` times its own side.

Tuned as a skilled user would, each choice measured here and the fastest kept (the JSON names
it): training in NCHW or channels_last; inference eager, or with the batch norms folded into the
convs and fc1 under torch.inference_mode, in NCHW, channels_last or as oneDNN (mkldnn) modules
(which also keep fc1 and fc2 off Debian's reference BLAS). glibc keeps freed buffers (the caller
sets MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_).

Run from the repository root with Debian's PyTorch: /usr/bin/python3 bench/peer_torch_cpu.py
"""

import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "reference"))
from make_reference import Net  # noqa: E402  (the one PyTorch definition of the network)


def timed(fn, warmup, seconds, min_iters):
    """Returns (calls/s of the fastest call, calls/s over the whole window)."""
    for _ in range(warmup):
        fn()
    times = []
    while len(times) < min_iters or sum(times) < seconds:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1.0 / min(times), len(times) / sum(times)


def add_timing_args(ap, seconds):
    """The options every peer times with (also bench/peer_torch_conv.py's)."""
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=seconds)
    ap.add_argument("--min-iters", type=int, default=3)


def require_same(forms, want, what, reference):
    """Exits unless every form (name -> function; its result dense or oneDNN) gives want, to 1e-3
    of want's largest value: each form must compute the same thing before it is timed."""
    for name, fn in forms.items():
        got = fn()
        got = got.to_dense() if got.is_mkldnn else got
        err = (got - want).abs().max().item()
        if err > 1e-3 * max(1.0, want.abs().max().item()):
            raise SystemExit(f"peer: {what} {name} differs from {reference} by {err}")


def fold(w, b, gamma, beta, mean, var, eps):
    """(w, b) of a conv or linear layer with the eval-mode batch norm (gamma, beta, mean, var,
    eps) after it folded in (also bench/peer_torch_segment.py's)."""
    scale = gamma / torch.sqrt(var + eps)
    shape = (-1,) + (1,) * (w.dim() - 1)
    return w * scale.view(shape), (b - mean) * scale + beta


def fold_bn(w, b, bn):
    """fold() with the batch norm given as a torch module."""
    return fold(w, b, bn.weight, bn.bias, bn.running_mean, bn.running_var, bn.eps)


class FoldedNet(torch.nn.Module):
    """Net in eval mode with every batch norm folded: convs (+ReLU, pools), fc1 (+ReLU), fc2."""

    def __init__(self, net):
        super().__init__()
        self.convs = torch.nn.ModuleList()
        for k in range(1, 7):
            c = getattr(net, f"conv{k}")
            m = torch.nn.Conv2d(c.in_channels, c.out_channels, 3, padding=c.padding)
            m.weight.data, m.bias.data = fold_bn(c.weight.data, c.bias.data, getattr(net, f"bn{k}"))
            self.convs.append(m)
        self.fc1 = torch.nn.Linear(net.fc1.in_features, net.fc1.out_features)
        self.fc1.weight.data, self.fc1.bias.data = fold_bn(net.fc1.weight.data, net.fc1.bias.data, net.bn7)
        self.fc2 = torch.nn.Linear(net.fc2.in_features, net.fc2.out_features)
        self.fc2.weight.data, self.fc2.bias.data = net.fc2.weight.data.clone(), net.fc2.bias.data.clone()
        self.mkldnn = False

    def forward(self, x):
        for k, c in enumerate(self.convs):
            x = F.relu(c(x))
            if k < 2:
                x = F.max_pool2d(x, 2)
        if self.mkldnn:  # flatten needs a dense tensor; the linear layers take oneDNN ones again
            return self.fc2(F.relu(self.fc1(torch.flatten(x.to_dense(), 1).to_mkldnn()))).to_dense()
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


def inference_variants(net, xi):
    """name -> a function running one inference batch and returning its logits (dense)."""
    net.eval()
    def eager():
        with torch.no_grad():
            return net(xi)
    variants = {"eager": eager}
    with torch.no_grad():
        folded = FoldedNet(net).eval()
    def plain():
        with torch.inference_mode():
            return folded(xi)
    variants["folded"] = plain
    cl = FoldedNet(net).eval().to(memory_format=torch.channels_last)
    xcl = xi.contiguous(memory_format=torch.channels_last)
    def channels_last():
        with torch.inference_mode():
            return cl(xcl)
    variants["folded_channels_last"] = channels_last
    from torch.utils import mkldnn as mk
    mkl = mk.to_mkldnn(FoldedNet(net).eval())
    mkl.mkldnn = True
    def onednn():
        with torch.inference_mode():
            return mkl(xi.to_mkldnn())
    variants["folded_mkldnn"] = onednn
    return variants


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patch", type=int, default=49)
    ap.add_argument("--valid", action="store_true", help="valid instead of same convolutions")
    ap.add_argument("--filters", type=int, default=32)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--infer-batch", type=int, default=1024)
    add_timing_args(ap, 10.0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    net = Net(args.patch, not args.valid, args.filters)
    x = torch.randn(args.batch, 1, args.patch, args.patch)
    labels = torch.randint(0, 2, (args.batch,))

    def train_step_in(fmt):
        model = Net(args.patch, not args.valid, args.filters).to(memory_format=fmt)
        model.load_state_dict(net.state_dict())
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        xf = x.contiguous(memory_format=fmt)

        def step():
            model.train()
            opt.zero_grad()
            mask = (torch.rand(args.batch, 64) >= 0.5).float() / 0.5  # dropout 0.5, as the engine's
            loss = F.cross_entropy(model(xf, mask), labels)
            loss.backward()
            opt.step()
        return step

    train = {name: timed(train_step_in(fmt), args.warmup, args.seconds, args.min_iters)
             for name, fmt in (("nchw", torch.contiguous_format), ("channels_last", torch.channels_last))}
    xi = torch.randn(args.infer_batch, 1, args.patch, args.patch)
    variants = inference_variants(net, xi)
    require_same(variants, variants["eager"](), "inference variant", "eager PyTorch")
    infer = {name: timed(fn, args.warmup, args.seconds, args.min_iters) for name, fn in variants.items()}
    train_name = max(train, key=lambda k: train[k][0])
    infer_name = max(infer, key=lambda k: infer[k][0])
    train_best, train_mean = train[train_name]
    infer_best, infer_mean = infer[infer_name]
    print(json.dumps({"train_samples_per_s": train_best * args.batch, "train_samples_per_s_mean": train_mean * args.batch,
                      "infer_patches_per_s": infer_best * args.infer_batch,
                      "infer_patches_per_s_mean": infer_mean * args.infer_batch,
                      "train_variant": train_name, "infer_variant": infer_name,
                      "train_variants_samples_per_s": {k: v[0] * args.batch for k, v in train.items()},
                      "infer_variants_patches_per_s": {k: v[0] * args.infer_batch for k, v in infer.items()},
                      "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
