#!/usr/bin/env python
"""Inference time per frame of the video detectors and of the single-frame Faster R-CNN.

Each method's config is built with random weights and run over one video of ``--frames`` random
frames through :class:`~d2track.engine.video_predictor.VideoPredictor`, exactly as the test loader
feeds it (the config's test sampler and memory: SELSA/TRoI encode 14 references on frame 0, FGFA
slides a window, DFF runs the backbone on every 10th frame). The time per frame is the whole
video's time divided by its frames (so frame 0's references are amortised), median of
``--repeats`` videos after one warm-up video. Prints a table and writes
``benchmarks/results/vid_inference_<configs>_<device>.json``.

    # CPU, the synthetic configs (256x256 frames)
    .venv/bin/python benchmarks/bench_vid_inference.py
    # GPU, MMTracking's ResNet-50-DC5 models on 600x1000 frames
    .venv/bin/python benchmarks/bench_vid_inference.py --configs r50 --device cuda
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

from d2track.engine.video_predictor import VideoPredictor
from d2track.utils.file_io import dump_json

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "results"
CONFIGS = {
    "tiny": {
        "Faster R-CNN": "configs/vid/faster_rcnn_tiny_400it_synthetic.py",
        "DFF": "projects/DFF/configs/dff_faster_rcnn_tiny_400it_synthetic.py",
        "FGFA": "projects/FGFA/configs/fgfa_faster_rcnn_tiny_400it_synthetic.py",
        "SELSA": "projects/SELSA/configs/selsa_faster_rcnn_tiny_400it_synthetic.py",
        "TRoI": "projects/TemporalRoIAlign/configs/"
        "selsa_troialign_faster_rcnn_tiny_400it_synthetic.py",
    },
    "r50": {
        "Faster R-CNN": "configs/common/models/faster_rcnn_r50_dc5.py",
        "DFF": "projects/DFF/configs/dff_faster_rcnn_r50_dc5_7e_imagenetvid.py",
        "FGFA": "projects/FGFA/configs/fgfa_faster_rcnn_r50_dc5_7e_imagenetvid.py",
        "SELSA": "projects/SELSA/configs/selsa_faster_rcnn_r50_dc5_7e_imagenetvid.py",
        "TRoI": "projects/TemporalRoIAlign/configs/"
        "selsa_troialign_faster_rcnn_r50_dc5_7e_imagenetvid.py",
    },
}
FRAME_SIZE = {"tiny": (256, 256), "r50": (600, 1000)}


def build_predictor(path, device, reference_cfg):
    cfg = LazyConfig.load(str(REPO / path))
    if "dataloader" not in cfg:  # the bare detector: test it like the single-frame baseline
        cfg.dataloader = reference_cfg.dataloader
    model = instantiate(cfg.model).to(device).eval()
    return VideoPredictor.from_config(cfg, model)


def time_video(predictor, frames, device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    start = time.perf_counter()
    with torch.no_grad():
        for _ in predictor(frames):
            pass
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / len(frames)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--configs", choices=sorted(CONFIGS), default="tiny")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    height, width = FRAME_SIZE[args.configs]
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (height, width, 3), dtype=np.uint8) for _ in range(args.frames)]
    reference = LazyConfig.load(str(REPO / CONFIGS[args.configs]["SELSA"]))
    reference.dataloader.test.ref_sampler = None
    rows = []
    for method, path in CONFIGS[args.configs].items():
        predictor = build_predictor(path, args.device, reference)
        time_video(predictor, frames[:5], args.device)  # warm-up
        seconds = [time_video(predictor, frames, args.device) for _ in range(args.repeats)]
        rows.append(dict(method=method, ms_per_frame=round(1000 * statistics.median(seconds), 1)))
        print(rows[-1], flush=True)
    device = (
        torch.cuda.get_device_name() if args.device.startswith("cuda") else platform.processor()
    )
    print(f"{args.configs} configs, {height}x{width} frames, {args.frames}-frame video, {device}")
    print(tabulate(rows, headers="keys", tablefmt="github"))
    out = OUT / f"vid_inference_{args.configs}_{args.device.split(':')[0]}.json"
    dump_json(
        dict(
            machine=platform.platform(),
            device=device,
            cpus=os.cpu_count(),
            threads=args.threads,
            frames=args.frames,
            size=[height, width],
            results=rows,
        ),
        str(out),
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
