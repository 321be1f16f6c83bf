#!/usr/bin/env python
"""Time per frame of the VIS trackers alone at N instances, and of MaskTrack R-CNN on CPU.

**Trackers**: :class:`~d2track.tracking.MaskTrackRCNNTracker`,
:class:`~d2track.tracking.EmbeddingTracker` (``"frame"`` and ``"memory"``) and
:class:`~d2track.tracking.MaskIoUTracker` on the same seeded scripted video: ``N`` instances (for
each ``N`` in ``--instances``) of one class on a grid, drifting slowly without overlapping, each
with a 1024-d embedding (MaskTrack R-CNN's) plus noise and a box-shaped mask at ``--size``
(640x360 by default, the YouTube-VIS test size). We time ``update`` per frame (the detections
are built before the clock starts) and quote the median over frames ``1 + --warmup`` onwards;
``IDs kept`` checks that the tracker followed the scripted objects (the share of frames in which
every object keeps its first ID).

**Model**: the R50-FPN MaskTrack R-CNN of ``masktrack_rcnn_r50_fpn_12e_youtubevis2019.py`` with
seeded random weights (detections capped at ``--model-detections`` per frame, so that a random
network's 100 low-score detections do not decide the time) on ``--model-frames`` seeded noise
frames of 640x360: the median ms per frame of the whole tracking ``forward`` (backbone, RPN,
box and mask heads, mask pasting, track head, tracker).

One CPU thread by default (other jobs share the machine). Prints a table and writes
``benchmarks/results/vis_trackers_<device>.json``::

    .venv/bin/python benchmarks/bench_vis_trackers.py
    .venv/bin/python benchmarks/bench_vis_trackers.py --instances 10 --model-frames 0
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import math
import statistics
import time
from pathlib import Path

import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.structures import Boxes, Instances
from tabulate import tabulate

from d2track.tracking import EmbeddingTracker, MaskIoUTracker, MaskTrackRCNNTracker
from d2track.utils.file_io import dump_json
from d2track.utils.seed_tables import machine_info

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "results"
MODEL = "projects/MaskTrackRCNN/configs/masktrack_rcnn_r50_fpn_12e_youtubevis2019.py"
TRACKERS = {
    "MaskTrackRCNNTracker": lambda: MaskTrackRCNNTracker(),
    "EmbeddingTracker frame": lambda: EmbeddingTracker(mode="frame"),
    "EmbeddingTracker memory": lambda: EmbeddingTracker(mode="memory"),
    "MaskIoUTracker": lambda: MaskIoUTracker(),
}


def make_video(num, num_frames, size, dim=1024, seed=0):
    """Per frame the ``Instances`` of ``num`` objects (boxes, masks, embeds), one per cell of a
    grid, each half its cell's size and drifting by at most a quarter cell over the video (so
    they never overlap and every tracker should keep every ID)."""
    g = torch.Generator().manual_seed(seed)
    width, height = size
    cols = math.ceil(math.sqrt(num * width / height))
    cell_w, cell_h = width / cols, height / math.ceil(num / cols)
    index = torch.arange(num)
    corner = torch.stack([index % cols * cell_w, index // cols * cell_h], dim=1)
    side = torch.tensor([cell_w, cell_h]) / 2
    start = corner + side / 4 + torch.rand(num, 2, generator=g) * side / 4
    drift = (torch.rand(num, 2, generator=g) - 0.5) * side / 2 / max(num_frames - 1, 1)
    identity = torch.randn(num, dim, generator=g).abs()
    frames = []
    for t in range(num_frames):
        xy = start + t * drift
        boxes = torch.cat([xy, xy + side], dim=1)
        inst = Instances((height, width))
        inst.pred_boxes = Boxes(boxes)
        inst.scores = torch.full((num,), 0.9)
        inst.pred_classes = torch.zeros(num, dtype=torch.int64)
        inst.embeds = identity + 0.1 * torch.randn(num, dim, generator=g).abs()
        masks = torch.zeros(num, height, width, dtype=torch.bool)
        for i, (x0, y0, x1, y1) in enumerate(boxes.round().long().tolist()):
            masks[i, y0:y1, x0:x1] = True
        inst.pred_masks = masks
        frames.append(inst)
    return frames


def time_tracker(make, frames, warmup):
    """(median ms per frame after the warm-up, share of frames with every first ID kept)."""
    tracker, times, kept, first = make(), [], 0, None
    for t, inst in enumerate(frames):
        start = time.perf_counter()
        out = tracker.update(inst, frame_id=t)
        times.append(1000 * (time.perf_counter() - start))
        ids = out.ID.tolist()  # every tracker here outputs the rows in input order
        first = ids if first is None else first
        kept += ids == first
    return statistics.median(times[1 + warmup :]), kept / len(frames)


def time_model(num_frames, detections, warmup):
    cfg = LazyConfig.load(str(REPO / MODEL))
    cfg.model.detector.roi_heads.box_predictor.test_topk_per_image = detections
    torch.manual_seed(0)
    model = instantiate(cfg.model).eval()
    model.load_state_dict(model.state_dict())  # random weights, on purpose
    g = torch.Generator().manual_seed(0)
    times = []
    with torch.no_grad():
        for t in range(num_frames + warmup):
            image = torch.randint(0, 255, (3, 360, 640), generator=g, dtype=torch.uint8)
            frame = {"image": image, "height": 360, "width": 640, "video_id": 0, "frame_id": t}
            start = time.perf_counter()
            model([frame])
            times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times[warmup:])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", nargs="+", type=int, default=[10, 50, 200])
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--size", nargs=2, type=int, default=[640, 360], metavar=("W", "H"))
    parser.add_argument("--model-frames", type=int, default=5, help="0: skip the model")
    parser.add_argument("--model-detections", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    rows = []
    for num in args.instances:
        frames = make_video(num, args.frames, tuple(args.size))
        for name, make in TRACKERS.items():
            ms, kept = time_tracker(make, frames, args.warmup)
            rows.append({"what": name, "instances": num, "ms/frame": ms, "IDs kept": kept})
    if args.model_frames:
        ms = time_model(args.model_frames, args.model_detections, warmup=1)
        what = f"MaskTrack R-CNN R50-FPN, 640x360, {args.model_detections} detections"
        rows.append({"what": what, "instances": args.model_detections, "ms/frame": ms})
    print(tabulate(rows, headers="keys", tablefmt="github", floatfmt=".2f"))
    record = dict(args=vars(args), machine=machine_info(), rows=rows)
    dump_json(record, OUT / "vis_trackers_cpu.json")
    return record


if __name__ == "__main__":
    main()
