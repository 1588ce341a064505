#!/usr/bin/env python3
"""tests/gpu/torch_peer.py — the PyTorch GPU peer of tests/gpu/train_bench.cpp.

Same network (tests/reference/make_reference.py's Net: N=49 same, 32 filters, FC 64), same
figures, on the same GPU: milliseconds per training step (forward in training mode with dropout
0.5, mean cross-entropy, backward, Adam lr 1e-3) at batch 256, and inference throughput
(eval mode, no autograd) in patches per second at batch 4096. cudnn.benchmark is on (PyTorch's
own algorithm search). Two settings: "fp32" with TF32 disabled (the arithmetic our kernels do;
the figure the ratios use) and "default" (PyTorch's defaults, for information).
Prints one JSON object.
"""

import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from make_reference import Net  # noqa: E402  (the one PyTorch definition of the network)


def seconds_per_call(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(reps):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - start) / reps


def measure(tf32):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cudnn.benchmark = True
    torch.manual_seed(0)
    dev = torch.device("cuda")
    net = Net(49, True, 32).to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.rand(256, 1, 49, 49, device=dev)
    labels = torch.arange(256, device=dev) % 2

    def train_step():
        net.train()
        opt.zero_grad(set_to_none=True)
        mask = (torch.rand(256, 64, device=dev) >= 0.5).float() / 0.5
        loss = F.cross_entropy(net(x, mask), labels)
        loss.backward()
        opt.step()

    train_s = seconds_per_call(train_step, 5, 30)
    xi = torch.rand(4096, 1, 49, 49, device=dev)
    net.eval()
    with torch.no_grad():
        infer_s = seconds_per_call(lambda: net(xi), 3, 10)
    return {"train_step_ms": train_s * 1e3, "infer_patches_per_s": 4096 / infer_s}


def main():
    report = {"torch": torch.__version__, "device": torch.cuda.get_device_name(0),
              "cudnn": torch.backends.cudnn.version(), "train_batch": 256, "infer_batch": 4096,
              "fp32": measure(False), "default": measure(True)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
