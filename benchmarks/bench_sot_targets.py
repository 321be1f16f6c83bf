#!/usr/bin/env python
"""Time per frame of SiameseRPN++ tracking K targets: one batched tracker against K trackers.

Each network is built from its config with seeded random weights and tracks the same seeded
video: ``--frames`` frames of ``--size`` pixels in which
``K`` coloured squares (36-60 px) move at constant velocity over a noisy background. For every
``K`` in ``--targets``:

* **batched**: one :class:`~d2track.tracking.sot.SiameseRPNTracker`, ``init`` with the ``K``
  boxes (one template batch), then one ``track`` call per frame (one search batch of ``K``
  crops through the network);
* **one per target**: ``K`` trackers, each ``init`` with its box and ``track`` called once per
  frame, one after the other (what a single-target API forces).

The tracker's crops cost in proportion to their area, and a random network makes the boxes (so
the search crops) grow frame after frame; random weights are therefore run with the tracker's
size update off (``lr=0``: every crop keeps its target's first size, as a trained network
roughly does). ``--weights tiny=model_final.pth`` times a trained checkpoint with the config's
tracker instead.

We time the ``init`` call(s) of frame 0 and the ``track`` call(s) of each later frame, and quote
the median per frame over frames ``1 + --warmup`` onwards (one untimed video warms the kernels
up first). One CPU thread by default: on a shared 2-core machine two threads can be 40x slower
than one (OpenMP threads waiting on a busy core). ``max box diff`` is the largest coordinate
difference (px) between the two modes' boxes over the whole video, a check that batching does
not change the result. Prints a table and writes
``benchmarks/results/sot_targets_<networks>_<device>.json``.

    # CPU, the tiny synthetic network (20 frames) and ResNet-50 (3 frames)
    .venv/bin/python benchmarks/bench_sot_targets.py
    .venv/bin/python benchmarks/bench_sot_targets.py --networks r50 --frames 3 --warmup 0
    # GPU
    .venv/bin/python benchmarks/bench_sot_targets.py --networks tiny r50 --device cuda
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from detectron2.config import LazyConfig, instantiate
from tabulate import tabulate

from d2track.checkpoint import load_weights
from d2track.utils.collect_env import cpu_name
from d2track.utils.file_io import dump_json

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "results"
CONFIGS = {
    "tiny": "projects/SiamRPNpp/configs/siamese_rpn_tiny_800it_synthetic.py",
    "r50": "projects/SiamRPNpp/configs/common/siamrpn.py",
}


def make_video(num_targets, num_frames, size, seed=0):
    """(frames (T, H, W, 3) uint8 BGR, (K, 4) ``XYXY`` boxes of the targets on frame 0)."""
    rng = np.random.default_rng(seed)
    height, width = size
    wh = rng.uniform(36, 60, (num_targets, 2))
    pos = rng.uniform(0, 1, (num_targets, 2)) * (np.array([width, height]) - wh)
    vel = rng.normal(0, 3, (num_targets, 2))
    colours = rng.integers(0, 256, (num_targets, 3))
    frames, first = [], np.hstack([pos, pos + wh])
    for _ in range(num_frames):
        frame = rng.integers(90, 130, (height, width, 3)).astype(np.uint8)
        for (x, y), (w, h), colour in zip(pos.astype(int), wh.astype(int), colours):
            frame[y : y + h, x : x + w] = colour
        frames.append(frame)
        pos = np.clip(pos + vel, 0, np.array([width, height]) - wh)
    return np.stack(frames), first


def build_network(name, device, weights=None):
    """(the network in eval mode, its tracker's LazyConfig).

    Without ``weights``: seeded random weights and the tracker's ``lr`` set to 0 (fixed sizes).
    """
    cfg = LazyConfig.load(str(REPO / CONFIGS[name]))
    torch.manual_seed(0)
    model = instantiate(cfg.model).to(device).eval()
    if weights:
        load_weights(model, weights)
    else:
        cfg.model.tracker.lr = 0.0
    return model, cfg.model.tracker


def _sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def run(net, trackers, frames, boxes, device):
    """Seconds per frame (frame 0: ``init``) and the (T, K, 4) boxes of ``trackers``.

    ``trackers`` is one tracker (batched: all boxes at once) or a list of ``len(boxes)`` ones.
    """
    groups = [(trackers, boxes)] if not isinstance(trackers, list) else None
    groups = groups or [(t, boxes[k : k + 1]) for k, t in enumerate(trackers)]
    seconds, out = [], []
    for index, frame in enumerate(frames):
        _sync(device)
        start = time.perf_counter()
        if index == 0:
            results = [tracker.init(net, frame, b) for tracker, b in groups]
        else:
            results = [tracker.track(net, frame) for tracker, _ in groups]
        _sync(device)
        seconds.append(time.perf_counter() - start)
        out.append(torch.cat([r.pred_boxes.tensor for r in results]).numpy())
    return seconds, np.stack(out)


def measure(name, net, tracker_cfg, args):
    """The table rows (dicts) of one network for every number of targets."""
    rows = []
    frames, boxes = make_video(max(args.targets), 2, args.size)
    run(net, instantiate(tracker_cfg), frames, boxes, args.device)  # warm-up
    for k in args.targets:
        frames, boxes = make_video(k, args.frames, args.size)
        result = {}
        with torch.no_grad():
            for mode in ("batched", "one per target"):
                trackers = instantiate(tracker_cfg)
                if mode != "batched":
                    trackers = [instantiate(tracker_cfg) for _ in range(k)]
                result[mode] = run(net, trackers, frames, boxes, args.device)
        (batched, b_boxes), (single, s_boxes) = result["batched"], result["one per target"]
        track = {m: statistics.median(s[1 + args.warmup :]) for m, (s, _) in result.items()}
        rows.append(
            dict(
                network=name,
                targets=k,
                batched_ms=round(1000 * track["batched"], 1),
                one_per_target_ms=round(1000 * track["one per target"], 1),
                speedup=round(track["one per target"] / track["batched"], 2),
                batched_init_ms=round(1000 * batched[0], 1),
                one_per_target_init_ms=round(1000 * single[0], 1),
                max_box_diff_px=float(np.abs(b_boxes - s_boxes).max()),
            )
        )
        print(rows[-1], flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--networks", nargs="+", choices=sorted(CONFIGS), default=["tiny"])
    parser.add_argument("--targets", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--frames", type=int, default=20, help="per video, frame 0 included")
    parser.add_argument("--warmup", type=int, default=2, help="tracked frames left out")
    parser.add_argument("--size", type=int, nargs=2, default=[360, 640], metavar=("H", "W"))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument(
        "--weights",
        action="append",
        default=[],
        metavar="NETWORK=PATH",
        help="a trained checkpoint for a network (default: random weights, tracker lr=0)",
    )
    parser.add_argument("--output", default=None, help="default: benchmarks/results/...json")
    args = parser.parse_args()
    if args.frames < args.warmup + 2:
        parser.error("--frames must be at least --warmup + 2 (frame 0 is init)")
    weights = dict(w.split("=", 1) for w in args.weights if "=" in w)
    if len(weights) != len(args.weights) or set(weights) - set(CONFIGS):
        parser.error(f"--weights takes NETWORK=PATH with NETWORK in {sorted(CONFIGS)}")
    torch.set_num_threads(args.threads)
    rows = []
    for name in args.networks:
        net, tracker_cfg = build_network(name, args.device, weights.get(name))
        rows += [
            dict(r, weights=weights.get(name, "random, lr=0"))
            for r in measure(name, net, tracker_cfg, args)
        ]
    on_gpu = args.device.startswith("cuda")
    device = torch.cuda.get_device_name() if on_gpu else f"{cpu_name()}, {args.threads} threads"
    print(f"{args.size[0]}x{args.size[1]} frames, {args.frames}-frame videos, {device}")
    print("median ms per tracked frame (all targets); init: frame 0's init call(s)")
    print(tabulate(rows, headers="keys", tablefmt="github"))
    out = args.output or str(OUT / f"sot_targets_{'_'.join(args.networks)}_{args.device[:4]}.json")
    machine = dict(
        machine=platform.platform(),
        device=device,
        cpus=os.cpu_count(),
        threads=args.threads,
        torch=torch.__version__,
        frames=args.frames,
        warmup=args.warmup,
        size=list(args.size),
    )
    dump_json(dict(machine=machine, results=rows), out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
