#!/usr/bin/env python
"""Time to compute CLEAR + Identity + HOTA on a MOT17-sized synthetic set: d2track vs references.

The set has MOT17 train's seven sequence lengths (5316 frames) with about 21 pedestrians per
frame (MOT17 train has 112k boxes), walking linearly and entering/leaving; the "tracker" is the
ground truth with box noise, 10% missed boxes, 5% false positives and an identity swap now and
then. Everything is written once in TrackEval's MOT17 layout, then each tool scores the same
files from disk, single process:

* d2track: ``load_trackeval_layout`` + ``preprocess_sequence`` + ``evaluate_mot`` (HOTA, CLEAR,
  Identity; TrackEval's metric classes on d2track's loading and preprocessing);
* TrackEval: ``Evaluator.evaluate`` with ``MotChallenge2DBox`` and the same three metrics;
* py-motmetrics: ``loadtxt`` + ``compare_to_groundtruth`` (IoU 0.5) + ``compute_many`` over
  ``motchallenge_metrics`` (CLEAR + Identity only: py-motmetrics has no HOTA).

Prints a table (median of ``--repeats`` runs), the combined HOTA/MOTA/IDF1 of each tool as a
check that they scored the same thing, and writes ``benchmarks/results/mot_metrics.json``.

    .venv/bin/python benchmarks/bench_mot_metrics.py [--repeats 3] [--scale 1.0]
"""

import argparse
import contextlib
import io
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from tabulate import tabulate

from d2track.evaluation.mot.data import load_trackeval_layout, preprocess_sequence
from d2track.evaluation.mot.metrics import evaluate_mot
from d2track.evaluation.mot.motmetrics_compat import import_motmetrics
from d2track.utils.file_io import dump_json

OUT = Path(__file__).resolve().parent / "results" / "mot_metrics.json"
MOT17_LENGTHS = {"02": 600, "04": 1050, "05": 837, "09": 525, "10": 654, "11": 900, "13": 750}
WIDTH, HEIGHT = 1920, 1080


def _rows(frame, ids, boxes, conf, extra):
    n = len(ids)
    return np.column_stack(
        [np.full(n, frame), ids, boxes, np.full(n, conf), np.tile(extra, (n, 1))]
    )


def make_sequence(rng, length, per_frame=21):
    """Ground-truth and tracker rows (frame, id, x, y, w, h, conf, class, vis, -) of a sequence."""
    num_tracks = int(per_frame * 2.5)  # about 40% of the tracks are alive in a frame
    starts = rng.integers(-length // 2, length, num_tracks)
    ends = starts + rng.integers(length // 4, length, num_tracks)
    origin = rng.uniform([0, 0], [WIDTH - 100, HEIGHT - 250], (num_tracks, 2))
    velocity = rng.normal(0, 2.0, (num_tracks, 2))
    size = rng.uniform([30, 80], [100, 250], (num_tracks, 2))
    gt, tracker = [], []
    for frame in range(1, length + 1):
        alive = np.flatnonzero((starts <= frame) & (frame < ends))
        boxes = np.hstack(
            [origin[alive] + velocity[alive] * (frame - starts[alive, None]), size[alive]]
        )
        gt.append(_rows(frame, alive + 1, boxes, 1, [1, 1]))
        kept = rng.random(len(alive)) > 0.1
        ids = alive[kept] + 1001
        if frame % 97 == 0 and len(ids) >= 2:  # an identity swap now and then
            ids[[0, 1]] = ids[[1, 0]]
        num_fp = rng.poisson(0.05 * len(alive))
        fp = np.hstack(
            [rng.uniform(0, [WIDTH - 100, HEIGHT - 250], (num_fp, 2)), np.full((num_fp, 2), 60.0)]
        )
        noisy = boxes[kept] + rng.normal(0, 3.0, (kept.sum(), 4))
        tracker.append(_rows(frame, ids, noisy, 1, [-1, -1, -1]))
        tracker.append(_rows(frame, 100000 + frame * 100 + np.arange(num_fp), fp, 1, [-1, -1, -1]))
    return np.concatenate(gt), np.concatenate(tracker)


def write_layout(root, scale, seed=0):
    """Write the set in TrackEval's layout under ``root``; return (gt_dir, results_dir, stats)."""
    rng = np.random.default_rng(seed)
    gt_dir, results_dir = (
        root / "gt" / "MOT17-train",
        root / "trackers" / "MOT17-train" / "bench" / "data",
    )
    results_dir.mkdir(parents=True)
    num_gt = num_frames = 0
    names = []
    for number, full_length in MOT17_LENGTHS.items():
        length = max(2, int(full_length * scale))
        name = f"MOT17-{number}-FRCNN"
        gt, tracker = make_sequence(rng, length)
        (gt_dir / name / "gt").mkdir(parents=True)
        np.savetxt(gt_dir / name / "gt" / "gt.txt", gt, fmt="%d,%d,%.2f,%.2f,%.2f,%.2f,%d,%d,%d")
        np.savetxt(
            results_dir / f"{name}.txt", tracker, fmt="%d,%d,%.2f,%.2f,%.2f,%.2f,%d,%d,%d,%d"
        )
        (gt_dir / name / "seqinfo.ini").write_text(
            f"[Sequence]\nname={name}\nseqLength={length}\nimWidth={WIDTH}\nimHeight={HEIGHT}\n"
        )
        names.append(name)
        num_gt, num_frames = num_gt + len(gt), num_frames + length
    seqmap = root / "gt" / "seqmaps" / "MOT17-train.txt"
    seqmap.parent.mkdir(parents=True)
    seqmap.write_text("name\n" + "\n".join(names) + "\n")
    return gt_dir, results_dir, dict(sequences=len(names), frames=num_frames, gt_boxes=num_gt)


def run_d2track(gt_dir, results_dir):
    sequences = load_trackeval_layout(str(gt_dir), str(results_dir))
    data = {name: preprocess_sequence(seq, benchmark="MOT17") for name, seq in sequences.items()}
    combined = evaluate_mot(data)["combined"]
    return {k: combined[k] for k in ("HOTA", "MOTA", "IDF1")}


def run_trackeval(root):
    import trackeval

    config = dict(trackeval.Evaluator.get_default_eval_config())
    config.update(
        USE_PARALLEL=False,
        PRINT_RESULTS=False,
        PRINT_CONFIG=False,
        TIME_PROGRESS=False,
        OUTPUT_SUMMARY=False,
        OUTPUT_DETAILED=False,
        PLOT_CURVES=False,
        DISPLAY_LESS_PROGRESS=True,
    )
    data_config = dict(trackeval.datasets.MotChallenge2DBox.get_default_dataset_config())
    data_config.update(
        GT_FOLDER=str(root / "gt"),
        TRACKERS_FOLDER=str(root / "trackers"),
        BENCHMARK="MOT17",
        SPLIT_TO_EVAL="train",
        TRACKERS_TO_EVAL=["bench"],
        PRINT_CONFIG=False,
        OUTPUT_FOLDER=str(root / "trackeval_out"),
    )
    quiet = dict(PRINT_CONFIG=False)
    metrics = [
        trackeval.metrics.HOTA(quiet),
        trackeval.metrics.CLEAR(quiet),
        trackeval.metrics.Identity(quiet),
    ]
    with contextlib.redirect_stdout(io.StringIO()):
        res, _ = trackeval.Evaluator(config).evaluate(
            [trackeval.datasets.MotChallenge2DBox(data_config)], metrics
        )
    combined = res["MotChallenge2DBox"]["bench"]["COMBINED_SEQ"]["pedestrian"]
    return dict(
        HOTA=float(np.mean(combined["HOTA"]["HOTA"])),
        MOTA=combined["CLEAR"]["MOTA"],
        IDF1=combined["Identity"]["IDF1"],
    )


def run_motmetrics(gt_dir, results_dir):
    mm = import_motmetrics()
    accs, names = [], []
    for name in sorted(os.listdir(gt_dir)):
        gt = mm.io.loadtxt(str(gt_dir / name / "gt" / "gt.txt"), fmt="mot15-2D", min_confidence=1)
        ts = mm.io.loadtxt(str(results_dir / f"{name}.txt"), fmt="mot15-2D")
        accs.append(mm.utils.compare_to_groundtruth(gt, ts, "iou", distth=0.5))
        names.append(name)
    summary = mm.metrics.create().compute_many(
        accs, names=names, metrics=mm.metrics.motchallenge_metrics, generate_overall=True
    )
    return dict(
        HOTA=float("nan"),
        MOTA=float(summary.loc["OVERALL", "mota"]),
        IDF1=float(summary.loc["OVERALL", "idf1"]),
    )


def timed(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of MOT17's lengths")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        gt_dir, results_dir, stats = write_layout(root, args.scale)
        runs = {
            "d2track (HOTA+CLEAR+Identity)": lambda: run_d2track(gt_dir, results_dir),
            "TrackEval (HOTA+CLEAR+Identity)": lambda: run_trackeval(root),
            "py-motmetrics (CLEAR+Identity)": lambda: run_motmetrics(gt_dir, results_dir),
        }
        rows = []
        for tool, fn in runs.items():
            seconds, metrics = timed(fn, args.repeats)
            rows.append(
                dict(
                    tool=tool,
                    seconds=round(seconds, 3),
                    **{k: round(100 * v, 3) for k, v in metrics.items()},
                )
            )
    print(f"{stats['sequences']} sequences, {stats['frames']} frames, {stats['gt_boxes']} gt boxes")
    print(tabulate(rows, headers="keys", tablefmt="github"))
    dump_json(
        dict(
            machine=platform.platform(),
            processor=platform.processor(),
            cpus=os.cpu_count(),
            repeats=args.repeats,
            scale=args.scale,
            data=stats,
            results=rows,
        ),
        OUT,
        indent=2,
    )
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
