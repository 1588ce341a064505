#!/usr/bin/python3
"""bench/peer_torch_cpu.py — the PyTorch CPU peer of `mcseg bench cpu`.

Times the paper's network (the same definition the reference vectors use,
tests/reference/make_reference.py's Net) on the CPU with PyTorch: a training step (forward in
training mode with dropout 0.5, mean cross-entropy, backward, Adam lr 1e-3) at --batch, and
inference (eval mode, no autograd) at --infer-batch. Warm-up iterations first, then timed
iterations until --seconds have passed (at least --min-iters). Prints one JSON object:
{"train_samples_per_s": ..., "infer_patches_per_s": ..., "threads": ..., "torch": ...}.

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
    for _ in range(warmup):
        fn()
    iters, start = 0, time.perf_counter()
    while iters < min_iters or time.perf_counter() - start < seconds:
        fn()
        iters += 1
    return iters, time.perf_counter() - start


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

    n_train, t_train = timed(train_step, args.warmup, args.seconds, args.min_iters)
    n_infer, t_infer = timed(infer, args.warmup, args.seconds, args.min_iters)
    print(json.dumps({"train_samples_per_s": n_train * args.batch / t_train,
                      "infer_patches_per_s": n_infer * args.infer_batch / t_infer,
                      "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
