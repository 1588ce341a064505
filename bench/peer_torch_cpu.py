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


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patch", type=int, default=49)
    ap.add_argument("--valid", action="store_true", help="valid instead of same convolutions")
    ap.add_argument("--filters", type=int, default=32)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--infer-batch", type=int, default=1024)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--min-iters", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    net = Net(args.patch, not args.valid, args.filters)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.randn(args.batch, 1, args.patch, args.patch)
    labels = torch.randint(0, 2, (args.batch,))

    def train_step():
        net.train()
        opt.zero_grad()
        mask = (torch.rand(args.batch, 64) >= 0.5).float() / 0.5  # dropout 0.5, as the engine's
        loss = F.cross_entropy(net(x, mask), labels)
        loss.backward()
        opt.step()

    xi = torch.randn(args.infer_batch, 1, args.patch, args.patch)

    def infer():
        net.eval()
        with torch.no_grad():
            net(xi)

    train_best, train_mean = timed(train_step, args.warmup, args.seconds, args.min_iters)
    infer_best, infer_mean = timed(infer, args.warmup, args.seconds, args.min_iters)
    print(json.dumps({"train_samples_per_s": train_best * args.batch, "train_samples_per_s_mean": train_mean * args.batch,
                      "infer_patches_per_s": infer_best * args.infer_batch,
                      "infer_patches_per_s_mean": infer_mean * args.infer_batch,
                      "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
