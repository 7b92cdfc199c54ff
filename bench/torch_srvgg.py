#!/usr/bin/env python3
"""torch_srvgg.py MODEL.param IN.png THREADS [RUNS] - the PyTorch CPU way to run a compact
Real-ESRGAN network (SRVGGNetCompact: conv, PReLU, ..., PixelShuffle, plus the upsampled input)
straight from its ncnn .param/.bin: reflect-pads 10 pixels as realesrgan-ncnn-vulkan does, runs
the graph in fp32 and prints the best wall time of RUNS forward passes (seconds), after one
warm-up. Used by bench/compare.sh; needs Debian's python3-torch."""
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def read_floats(blob, pos, n, tagged):
    """n weights at pos: tagged arrays start with fp32 (0) or fp16 (0x01306B47) marks."""
    if tagged:
        tag = struct.unpack_from("<I", blob, pos)[0]
        pos += 4
        if tag == 0x01306B47:
            a = np.frombuffer(blob, np.float16, n, pos).astype(np.float32)
            return a, pos + (2 * n + 3) // 4 * 4
        assert tag == 0, "unsupported weight storage"
    return np.frombuffer(blob, np.float32, n, pos).copy(), pos + 4 * n


def load(param_path):
    lines = open(param_path).read().split("\n")[2:]
    blob = open(param_path[:-6] + ".bin", "rb").read()
    pos, ops = 0, []
    for line in lines:
        f = line.split()
        if not f:
            continue
        kind, nin, nout = f[0], int(f[2]), int(f[3])
        kv = dict(x.split("=", 1) for x in f[4 + nin + nout:])
        if kind == "Convolution":
            cout, k, nw = int(kv["0"]), int(kv["1"]), int(kv["6"])
            w, pos = read_floats(blob, pos, nw, True)
            b = np.zeros(cout, np.float32)
            if kv.get("5") == "1":
                b, pos = read_floats(blob, pos, cout, False)
            cin = nw // (cout * k * k)
            ops.append(("conv", torch.from_numpy(w.reshape(cout, cin, k, k)),
                        torch.from_numpy(b), int(kv.get("4", "0"))))
        elif kind == "PReLU":
            s, pos = read_floats(blob, pos, int(kv["0"]), False)
            ops.append(("prelu", torch.from_numpy(s)))
        elif kind == "PixelShuffle":
            ops.append(("shuffle", int(kv["0"])))
        elif kind == "Interp":
            ops.append(("skip", int(kv["0"]), float(kv["1"])))
    return ops


def forward(ops, x):
    y = x
    for op in ops:
        if op[0] == "conv":
            y = F.conv2d(y, op[1], op[2], padding=op[3])
        elif op[0] == "prelu":
            y = F.prelu(y, op[1])
        elif op[0] == "shuffle":
            y = F.pixel_shuffle(y, op[1])
        elif op[0] == "skip":
            mode = {1: "nearest", 2: "bilinear", 3: "bicubic"}[op[1]]
            y = y + F.interpolate(x, scale_factor=op[2], mode=mode)
    return y


def main():
    param, image, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    torch.set_num_threads(threads)
    from skimage import io
    img = io.imread(image)[:, :, :3].astype(np.float32) / 255.0
    x = torch.from_numpy(img.transpose(2, 0, 1)[None].copy())
    x = F.pad(x, (10, 10, 10, 10), mode="reflect")
    ops = load(param)
    best = None
    with torch.inference_mode():
        for i in range(runs + 1):
            t0 = time.perf_counter()
            forward(ops, x)
            dt = time.perf_counter() - t0
            if i and (best is None or dt < best):
                best = dt
    print(f"{best:.3f}")


if __name__ == "__main__":
    main()
