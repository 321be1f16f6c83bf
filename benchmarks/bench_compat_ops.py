#!/usr/bin/env python
"""Speed of d2track's pure-PyTorch fallbacks for Detectron2's compiled ops (CPU).

Prints a table (median of ``--repeats`` runs after one warm-up) and writes
``benchmarks/results/compat_ops.json``. Not part of the test run.

    .venv/bin/python benchmarks/bench_compat_ops.py [--repeats 5] [--threads 2]
"""

import argparse
import json
import os
import platform
import statistics
import time

import torch
from tabulate import tabulate

from d2track.compat import deform_ops, rotated_ops
from d2track.utils.file_io import dump_json

OUT = os.path.join(os.path.dirname(__file__), "results", "compat_ops.json")


def median_ms(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def rotated_boxes(n, seed, size=(50, 50)):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * torch.tensor(size)
    wh = torch.rand(n, 2, generator=g) * 30 + 4
    return torch.cat([xy, wh, torch.rand(n, 1, generator=g) * 360 - 180], dim=1)


def roi_case(sampling_ratio, backward):
    features = torch.randn(1, 256, 50, 50, requires_grad=backward)
    rois = torch.cat([torch.zeros(512, 1), rotated_boxes(512, 0, (800, 800)) * 1.0], dim=1)

    def run():
        out = rotated_ops.roi_align_rotated(features, rois, (7, 7), 1 / 16, sampling_ratio)
        if backward:
            out.sum().backward()

    return run


def conv_case(backward, deformable):
    """A 3x3 conv on 2x64x64x64: deformable (random offsets) or torch's conv2d as a reference."""
    x = torch.randn(2, 64, 64, 64, requires_grad=backward)
    weight = torch.randn(64, 64, 3, 3, requires_grad=backward)
    offset = torch.randn(2, 18, 64, 64)

    def run():
        if deformable:
            out = deform_ops.deform_conv(x, offset, weight, 1, 1, 1)
        else:
            out = torch.nn.functional.conv2d(x, weight, padding=1)
        if backward:
            out.sum().backward()

    return run


def cases():
    a, b = rotated_boxes(300, 1), rotated_boxes(200, 2)
    boxes, scores = rotated_boxes(2000, 3), torch.rand(2000)
    return {
        "box_iou_rotated 300x200": lambda: rotated_ops.box_iou_rotated(a, b),
        "nms_rotated 2000 boxes, thr 0.5": lambda: rotated_ops.nms_rotated(boxes, scores, 0.5),
        "roi_align_rotated 512x256x7x7 sr=0 fwd": roi_case(0, False),
        "roi_align_rotated 512x256x7x7 sr=0 fwd+bwd": roi_case(0, True),
        "roi_align_rotated 512x256x7x7 sr=2 fwd": roi_case(2, False),
        "roi_align_rotated 512x256x7x7 sr=2 fwd+bwd": roi_case(2, True),
        "deform_conv 2x64x64x64 3x3 fwd": conv_case(False, deformable=True),
        "deform_conv 2x64x64x64 3x3 fwd+bwd": conv_case(True, deformable=True),
        "(reference) conv2d 2x64x64x64 3x3 fwd": conv_case(False, deformable=False),
        "(reference) conv2d 2x64x64x64 3x3 fwd+bwd": conv_case(True, deformable=False),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = [(name, round(median_ms(fn, args.repeats), 1)) for name, fn in cases().items()]
    print(tabulate(rows, headers=["op (CPU)", "median ms"]))
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus"
    meta = {"machine": machine, "threads": args.threads, "torch": torch.__version__}
    dump_json({"meta": meta, "results_ms": dict(rows)}, OUT)
    print(f"\n{json.dumps(meta)}\nwritten to {OUT}")


if __name__ == "__main__":
    main()
