"""Time per frame of the Kalman trackers' ``update`` and their HOTA, vs number of objects.

Seeded synthetic crowds (``benchmarks/synthetic_crowd.py``): ``N`` pedestrian boxes at constant
velocity bouncing off the borders of a canvas that grows with ``N`` (about 200 objects per
1920x1080), so they cross each other; detections in two presets of noise: ``clean`` (1.5 px
jitter, 5% missing, 5% low scores) and ``noisy`` (also 5% of the box size of jitter, 10% missing,
10% low scores and 3% false positives). Each tracker sees the same prebuilt ``Instances``; we
time ``update`` only, on one thread (``torch.set_num_threads(1)``), and quote the median after
``--warmup`` frames.

Accuracy on the same data: HOTA, DetA, AssA, IDF1 and IDSW (TrackEval's, every object as ground
truth) and *id changes*: an output detection of an object whose ID differs from the ID that
object had when last output (a switch or a restarted track), per 1000 outputs.

``--compare-boxmot`` adds BoxMOT's ``ByteTrack`` (the per-track ``STrack`` Python implementation
that MOT users commonly run; ``pip install boxmot``, not a d2track dependency) on the same
detections, given as BoxMOT's ``(N, 6)`` numpy rows, and our ``ByteTracker`` with the authors'
settings (``configs/common/trackers.py: bytetrack_original``), the same algorithm.

    .venv/bin/python benchmarks/bench_tracker_association.py [--frames 100] \
        [--objects 10 50 200 1000] [--noise clean noisy] [--repeats 3] [--compare-boxmot] \
        [--output benchmarks/results/tracker_association.json]
"""

import argparse
import importlib
import os
import platform
import statistics
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
import torch
from detectron2.structures import Boxes, Instances
from tabulate import tabulate

from d2track.tracking import BoTSORTTracker, ByteTracker, OCSORTTracker, SORTTracker
from d2track.utils.file_io import dump_json

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_crowd import NOISE, hota, make_crowd  # noqa: E402

OUT = Path("benchmarks/results/tracker_association.json")
TRACKERS = {
    "ByteTracker (MMTracking's settings)": partial(
        ByteTracker, output_box="detection", output_tentative=True
    ),
    "ByteTracker (default: MMTracking's, authors' output)": ByteTracker,
    "SORTTracker": SORTTracker,
}


def make_video(num_objects, num_frames, seed=0, **noise):
    """Per frame the ``Instances`` of the detections (``gt``: the object per row, -1 for a false
    positive) of a ``clean`` crowd, ``noise`` overriding its preset."""
    return make_crowd(num_objects, num_frames, seed=seed, noise="clean", **noise).frames


class BoxMOTTracker:
    """A BoxMOT tracker behind our trackers' ``update(Instances)``, for the comparison.

    ``name`` is one of :data:`BOXMOT`: the tracker's module and class in BoxMOT and the
    constructor arguments that give the original authors' settings where BoxMOT's defaults
    differ (no images: camera motion compensation and ReID off).
    """

    def __init__(self, name):
        module, cls, kwargs = BOXMOT[name]
        try:
            tracker_cls = getattr(importlib.import_module(module), cls)
        except ImportError as e:
            raise SystemExit(f"--compare-boxmot needs BoxMOT (pip install boxmot): {e}")
        self.tracker = tracker_cls(**kwargs)

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
        result.pred_boxes = Boxes(torch.from_numpy(out[:, :4].astype(np.float32)))
        result.scores = torch.from_numpy(out[:, 5].astype(np.float32))
        result.ID = torch.from_numpy(out[:, 4].astype(np.int64))
        result.gt = instances.gt[torch.from_numpy(out[:, 7].astype(np.int64))]
        return result


_BOX = "boxmot.trackers.box"
#: BoxMOT tracker -> (module, class, the authors' MOT17 settings)
BOXMOT = {
    "ByteTrack": (f"{_BOX}.bytetrack.tracker", "ByteTrack", dict(track_thresh=0.6, min_conf=0.1)),
    "OcSort": (
        f"{_BOX}.ocsort.tracker",
        "OcSort",
        dict(det_thresh=0.6, min_conf=0.1, iou_threshold=0.3, delta_t=3, inertia=0.2),
    ),
    "BotSort": (
        f"{_BOX}.botsort.tracker",
        "BotSort",
        dict(
            track_high_thresh=0.6,
            new_track_thresh=0.7,
            fuse_first_associate=True,
            use_cmc=False,
            use_embeddings=False,
        ),
    ),
}


def run(tracker, frames, warmup):
    """Median ms per ``update`` after ``warmup`` frames, the id-change statistics and the
    outputs (``"outputs"``: the ``Instances`` per frame)."""
    times, cpu_times, last_id, changes, clean, outputs = [], [], {}, 0, 0, []
    for t, inst in enumerate(frames):
        start, cpu_start = time.perf_counter(), time.thread_time()
        out = tracker.update(inst)
        elapsed, cpu = time.perf_counter() - start, time.thread_time() - cpu_start
        if t >= warmup:
            times.append(elapsed)
            cpu_times.append(cpu)
        frame_changes = 0
        for gt, track_id in zip(out.gt.tolist(), out.ID.tolist()):
            if gt >= 0:  # false positives have no object to change the id of
                frame_changes += gt in last_id and last_id[gt] != track_id
                last_id[gt] = track_id
        changes += frame_changes
        outputs.append(out)
        clean += t > 0 and frame_changes == 0
    num_outputs = sum(len(o) for o in outputs)
    return dict(
        ms_per_frame=1000 * statistics.median(times),
        cpu_ms_per_frame=1000 * statistics.median(cpu_times),
        id_changes_per_1k=1000 * changes / max(num_outputs, 1),
        frames_without_id_change=clean / (len(frames) - 1),
        output_per_frame=num_outputs / len(frames),
        outputs=outputs,
    )


def measure(name, make_tracker, video, args):
    """One table row: timings (median over ``args.repeats`` runs) and accuracy of one run."""
    runs = [run(make_tracker(), video.frames, args.warmup) for _ in range(args.repeats)]
    res = {k: v for k, v in runs[0].items() if k != "outputs"}
    for key in ("ms_per_frame", "cpu_ms_per_frame"):  # identical tracking, noisy time
        res[key] = statistics.median(r[key] for r in runs)
    res.update(hota(video, runs[0]["outputs"]), tracker=name)
    return res


COLUMNS = [
    ("noise", "noise", "{}"),
    ("tracker", "tracker", "{}"),
    ("objects", "objects", "{}"),
    ("ms_per_frame", "median ms/frame", "{:.2f}"),
    ("cpu_ms_per_frame", "median CPU ms/frame", "{:.2f}"),
    ("HOTA", "HOTA", "{:.2f}"),
    ("DetA", "DetA", "{:.2f}"),
    ("AssA", "AssA", "{:.2f}"),
    ("IDF1", "IDF1", "{:.2f}"),
    ("IDSW", "IDSW", "{}"),
    ("id_changes_per_1k", "id changes / 1k dets", "{:.1f}"),
]


def trackers(compare_boxmot):
    """Name -> tracker factory; with ``compare_boxmot`` each BoxMOT tracker follows the same
    algorithm of ours, both with the original authors' settings."""
    out = dict(TRACKERS)
    if compare_boxmot:
        out["ByteTracker (authors' settings)"] = partial(
            ByteTracker, high_match_iou_thr=0.2, init_track_thr=0.6, num_tentatives=2
        )
        out["BoxMOT ByteTrack"] = partial(BoxMOTTracker, "ByteTrack")
        out["OCSORTTracker (detections above 0.6)"] = partial(
            OCSORTTracker, obj_score_thr=0.6, init_track_thr=0.6
        )
        out["BoxMOT OcSort"] = partial(BoxMOTTracker, "OcSort")
        out["BoTSORTTracker (no ReID, no CMC)"] = partial(
            BoTSORTTracker, with_reid=False, cmc_method=None
        )
        out["BoxMOT BotSort (no ReID, no CMC)"] = partial(BoxMOTTracker, "BotSort")
    return out


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--objects", type=int, nargs="+", default=[10, 50, 200, 1000])
    parser.add_argument("--noise", nargs="+", default=["clean", "noisy"], choices=sorted(NOISE))
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3, help="runs per tracker; median taken")
    parser.add_argument("--compare-boxmot", action="store_true", help="add BoxMOT's ByteTrack")
    parser.add_argument("--output", default=str(OUT))
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    results = []
    for noise in args.noise:
        for n in args.objects:
            video = make_crowd(n, args.frames, noise=noise)
            for name, make_tracker in trackers(args.compare_boxmot).items():
                results.append(
                    dict(measure(name, make_tracker, video, args), noise=noise, objects=n)
                )
    rows = [[fmt.format(r[key]) for key, _, fmt in COLUMNS] for r in results]
    print(tabulate(rows, headers=[head for _, head, _ in COLUMNS], tablefmt="github"))
    machine = dict(
        machine=platform.machine(),
        processor=platform.processor(),
        cpus=os.cpu_count(),
        torch=torch.__version__,
        threads=1,
        frames=args.frames,
        warmup=args.warmup,
        repeats=args.repeats,
    )
    dump_json(dict(machine=machine, results=results), args.output)
    print(f"machine: {machine}\nwrote {args.output}")
    return results


if __name__ == "__main__":
    main()
