#!/usr/bin/python3
"""bench/peer_torch_conv.py — the PyTorch CPU peer of `mcseg bench conv`.

Times one 3x3 convolution (stride 1, bias, zero padding 0 or 1) per --layer n,c_in,h,w,c_out,pad
under torch.inference_mode, in every form a skilled user would try, each checked to compute the
NCHW result first: NCHW (torch.nn.functional.conv2d), channels_last, and oneDNN (an mkldnn
tensor through a torch.utils.mkldnn conv module, the input converted before the clock starts,
as in a network that stays in oneDNN's layout between layers). Each form is warmed up, then
repeated until --seconds have passed (at least --min-iters); the fastest call counts, as on
mcseg's side (bench/timing.h). glibc keeps freed buffers (the caller sets
MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_).

Prints one JSON object: {"layers": [{"gflops": ..., "variant": ..., "variants_gflops": {...}}, ...],
"threads": ..., "torch": ...}, one entry per --layer in order.

Run from the repository root with Debian's PyTorch: /usr/bin/python3 bench/peer_torch_conv.py
"""

import argparse
import json

import torch
from torch.utils import mkldnn as mk

from peer_torch_cpu import add_timing_args, require_same, timed  # the same timing and check as the other peers


def variants(x, conv):
    """name -> a function returning the convolution of x (dense NCHW)."""
    cl_conv = torch.nn.Conv2d(conv.in_channels, conv.out_channels, 3, padding=conv.padding)
    cl_conv.load_state_dict(conv.state_dict())
    cl_conv = cl_conv.to(memory_format=torch.channels_last)
    xcl = x.contiguous(memory_format=torch.channels_last)
    mkl_conv = mk.to_mkldnn(conv)
    xm = x.to_mkldnn()
    return {"nchw": lambda: conv(x),
            "channels_last": lambda: cl_conv(xcl),
            "mkldnn": lambda: mkl_conv(xm)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layer", action="append", required=True, help="n,c_in,h,w,c_out,pad")
    add_timing_args(ap, 2.0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    layers = []
    with torch.inference_mode():
        for spec in args.layer:
            n, c_in, h, w, c_out, pad = (int(v) for v in spec.split(","))
            conv = torch.nn.Conv2d(c_in, c_out, 3, padding=pad).eval()
            x = torch.randn(n, c_in, h, w)
            forms = variants(x, conv)
            require_same(forms, conv(x), "conv form", "NCHW PyTorch")
            flops = 2.0 * 9 * c_in * c_out * n * (h + 2 * pad - 2) * (w + 2 * pad - 2)
            gflops = {name: flops * timed(fn, args.warmup, args.seconds, args.min_iters)[0] / 1e9
                      for name, fn in forms.items()}
            best = max(gflops, key=gflops.get)
            layers.append({"gflops": gflops[best], "variant": best, "variants_gflops": gflops})
    print(json.dumps({"layers": layers, "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
