#!/usr/bin/env python
"""Time per frame of the Kalman trackers' ``update`` (association + Kalman) vs number of objects.

Seeded synthetic video: ``N`` boxes (pedestrian-shaped, 30-80 px wide) move at constant velocity
and bounce off the borders of a canvas that grows with ``N`` (about 200 objects per 1920x1080),
so they cross each other; each frame every box gets Gaussian jitter, 5% of the detections are
missing and 5% have a low score (0.3, an occluded object: ByteTrack's second association). Each
tracker sees the same prebuilt ``Instances``; we time ``update`` only, on one thread
(``torch.set_num_threads(1)``), and quote the median after ``--warmup`` frames.

Accuracy check on the same data: an *id change* is an output detection of an object whose ID
differs from the ID that object had when last output (a switch or a restarted track); we print
their number per 1000 detections and the fraction of frames without any.

``--compare-boxmot`` adds BoxMOT's ``ByteTrack`` (the per-track ``STrack`` Python implementation
that MOT users commonly run; ``pip install boxmot``, not a d2track dependency) on the same
detections, given as BoxMOT's ``(N, 6)`` numpy rows.

    .venv/bin/python benchmarks/bench_tracker_association.py [--frames 100] \
        [--objects 10 50 200 1000] [--repeats 3] [--compare-boxmot] \
        [--output benchmarks/results/tracker_association.json]
"""

import argparse
import os
import platform
import statistics
import time
from functools import partial
from pathlib import Path

import numpy as np
import torch
from detectron2.structures import Boxes, Instances
from tabulate import tabulate

from d2track.tracking.byte_tracker import ByteTracker
from d2track.tracking.sort_tracker import SORTTracker
from d2track.utils.file_io import dump_json

OUT = Path("benchmarks/results/tracker_association.json")
TRACKERS = {"ByteTracker": ByteTracker, "SORTTracker": SORTTracker}


def make_video(num_objects, num_frames, seed=0, jitter=1.5, p_missing=0.05, p_low=0.05):
    """Per frame: (Instances of the detections, (n,) int64 ground-truth object per detection)."""
    rng = np.random.default_rng(seed)
    scale = max(1.0, (num_objects / 200) ** 0.5)
    size = np.array([1920.0, 1080.0]) * scale
    wh = np.column_stack([rng.uniform(30, 80, num_objects), np.zeros(num_objects)])
    wh[:, 1] = wh[:, 0] * rng.uniform(2.0, 3.0, num_objects)
    pos = rng.uniform(0, size - wh)
    vel = rng.normal(0, 3.0, (num_objects, 2))
    frames = []
    for _ in range(num_frames):
        pos += vel
        bounce = (pos < 0) | (pos > size - wh)
        vel[bounce] *= -1
        pos = np.clip(pos, 0, size - wh)
        boxes = np.hstack([pos, pos + wh]) + rng.normal(0, jitter, (num_objects, 4))
        seen = np.flatnonzero(rng.random(num_objects) > p_missing)
        scores = np.where(rng.random(len(seen)) < p_low, 0.3, rng.uniform(0.75, 0.95, len(seen)))
        inst = Instances((int(size[1]), int(size[0])))
        inst.pred_boxes = Boxes(torch.tensor(boxes[seen], dtype=torch.float32))
        inst.scores = torch.tensor(scores, dtype=torch.float32)
        inst.pred_classes = torch.zeros(len(seen), dtype=torch.int64)
        inst.gt = torch.from_numpy(seen)
        frames.append(inst)
    return frames


class BoxMOTByteTrack:
    """BoxMOT's ``ByteTrack`` behind our trackers' ``update(Instances)``, for the comparison.

    Set as in MMTracking's ByteTrack where BoxMOT has the field: 0.6 / 0.1 score thresholds and
    30 frames retained; ``match_thresh`` keeps ByteTrack's original 0.8.
    """

    def __init__(self):
        try:
            from boxmot.trackers.box.bytetrack.tracker import ByteTrack
        except ImportError as e:
            raise SystemExit(f"--compare-boxmot needs BoxMOT (pip install boxmot): {e}")
        self.tracker = ByteTrack(track_thresh=0.6, min_conf=0.1, track_buffer=30)

    def update(self, instances):
        rows = np.column_stack(
            [
                instances.pred_boxes.tensor.numpy(),
                instances.scores.numpy(),
                instances.pred_classes.numpy(),
            ]
        )
        out = self.tracker.update(rows.astype(np.float32), None)  # x1 y1 x2 y2 id conf cls det
        result = Instances(instances.image_size)
        result.ID = torch.from_numpy(out[:, 4].astype(np.int64))
        result.gt = instances.gt[torch.from_numpy(out[:, 7].astype(np.int64))]
        return result


def run(tracker, frames, warmup):
    """Median ms per ``update`` after ``warmup`` frames, and the id-change statistics."""
    times, cpu_times, last_id, changes, clean, outputs = [], [], {}, 0, 0, 0
    for t, inst in enumerate(frames):
        start, cpu_start = time.perf_counter(), time.thread_time()
        out = tracker.update(inst)
        elapsed, cpu = time.perf_counter() - start, time.thread_time() - cpu_start
        if t >= warmup:
            times.append(elapsed)
            cpu_times.append(cpu)
        frame_changes = 0
        for gt, track_id in zip(out.gt.tolist(), out.ID.tolist()):
            frame_changes += gt in last_id and last_id[gt] != track_id
            last_id[gt] = track_id
        changes += frame_changes
        outputs += len(out)
        clean += t > 0 and frame_changes == 0
    return dict(
        ms_per_frame=1000 * statistics.median(times),
        cpu_ms_per_frame=1000 * statistics.median(cpu_times),
        id_changes_per_1k=1000 * changes / max(outputs, 1),
        frames_without_id_change=clean / (len(frames) - 1),
        output_per_frame=outputs / len(frames),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--objects", type=int, nargs="+", default=[10, 50, 200, 1000])
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3, help="runs per tracker; median taken")
    parser.add_argument("--compare-boxmot", action="store_true", help="add BoxMOT's ByteTrack")
    parser.add_argument("--output", default=str(OUT))
    args = parser.parse_args()
    torch.set_num_threads(1)
    trackers = dict(TRACKERS)
    if args.compare_boxmot:
        # ours with ByteTrack's original settings where MMTracking's differ (first-association
        # IoU, start threshold, a new track confirmed by its second match), for the accuracy
        trackers["ByteTracker (original settings)"] = partial(
            ByteTracker, high_match_iou_thr=0.2, init_track_thr=0.6, num_tentatives=2
        )
        trackers["BoxMOT ByteTrack"] = BoxMOTByteTrack
    rows, results = [], []
    for n in args.objects:
        frames = make_video(n, args.frames)
        for name, cls in trackers.items():
            runs = [run(cls(), frames, args.warmup) for _ in range(args.repeats)]
            res = dict(runs[0], tracker=name, objects=n)
            for key in ("ms_per_frame", "cpu_ms_per_frame"):  # identical tracking, noisy time
                res[key] = statistics.median(r[key] for r in runs)
            results.append(res)
            rows.append(
                [
                    name,
                    n,
                    f"{res['ms_per_frame']:.2f}",
                    f"{res['cpu_ms_per_frame']:.2f}",
                    f"{res['id_changes_per_1k']:.1f}",
                    f"{res['frames_without_id_change']:.2f}",
                    f"{res['output_per_frame']:.0f}",
                ]
            )
    headers = [
        "tracker",
        "objects",
        "median ms/frame",
        "median CPU ms/frame",
        "id changes / 1k dets",
        "frames w/o id change",
        "outputs/frame",
    ]
    print(tabulate(rows, headers=headers, tablefmt="github"))
    machine = dict(
        machine=platform.machine(),
        cpus=os.cpu_count(),
        torch=torch.__version__,
        threads=1,
        frames=args.frames,
        warmup=args.warmup,
        repeats=args.repeats,
    )
    dump_json(dict(machine=machine, results=results), args.output)
    print(f"machine: {machine}\nwrote {args.output}")


if __name__ == "__main__":
    main()
