#!/usr/bin/env python
"""MaskTrack R-CNN's tracker, the embedding tracker and a mask-IoU baseline on synthetic VIS.

For each seed the tiny MaskTrack R-CNN (``projects/MaskTrackRCNN/configs/
masktrack_rcnn_tiny_800it_synthetic.py``) is trained with ``train.seed=<seed>`` into
``<output>/seed<seed>/`` (or reused with ``--skip-train``); its
detections, masks and track-head embeddings on the split are computed once and every tracker of
:data:`TRACKERS` links them
(:class:`~d2track.engine.tracker_grid_search.ReplayDetections`), scored by
:class:`~d2track.evaluation.VISEvaluator` (YouTube-VIS AP/AR, the official API's numbers). The
table (mean ± standard deviation over the seeds) is printed and written with every per-seed value
to ``<output>/table.json``; each tracker's ``results.json`` is in ``<output>/seed<k>/<tracker>/``.

The trackers' values were chosen on ``synthetic_vis_test`` (``--split synthetic_vis_test``, seed 0),
never on ``synthetic_vis_val``, the split of the table: for the embedding tracker and the mask-IoU
baseline the best of small grids over their score and match thresholds; MaskTrack R-CNN's
tracker has MMTracking's values.

Example::

    .venv/bin/python tools/analysis/vis_synthetic_table.py --output output/vis_table
    .venv/bin/python tools/analysis/vis_synthetic_table.py --seeds 0 --skip-train \\
        --split synthetic_vis_test --output output/vis_table
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import logging
import subprocess
import sys
import time
from pathlib import Path

from detectron2.config import LazyCall as L
from detectron2.config import instantiate
from detectron2.utils.logger import setup_logger

from d2track.checkpoint import load_eval_weights
from d2track.config import load_config
from d2track.engine import inference_on_dataset, resolve_device
from d2track.engine.tracker_grid_search import ReplayDetections
from d2track.evaluation import VISEvaluator
from d2track.tracking import EmbeddingTracker, MaskIoUTracker, MaskTrackRCNNTracker
from d2track.utils.file_io import dump_json
from d2track.utils.seed_tables import (
    add_overrides_argument,
    add_seed_table_arguments,
    format_cell,
    machine_info,
    mean_std,
    seed_weights,
)

logger = logging.getLogger("d2track")
REPO = Path(__file__).resolve().parents[2]
CONFIG = "projects/MaskTrackRCNN/configs/masktrack_rcnn_tiny_800it_synthetic.py"
#: short name -> (row name, tracker config)
TRACKERS = {
    "masktrack": ("MaskTrack R-CNN tracker (as MMTracking)", L(MaskTrackRCNNTracker)()),
    "masktrack_unique": (
        "MaskTrack R-CNN tracker, one detection per track (unique_ids=True)",
        L(MaskTrackRCNNTracker)(unique_ids=True),
    ),
    "embed_frame": (
        "embedding tracker, frame to frame (MinVIS)",
        L(EmbeddingTracker)(mode="frame", score_thr=0.05, match_thr=0.7),
    ),
    "embed_memory": (
        "embedding tracker, memory bank (IDOL/CTVIS)",
        L(EmbeddingTracker)(mode="memory", score_thr=0.05, init_score_thr=0.5, match_thr=0.3),
    ),
    "mask_iou": (
        "per-frame Mask R-CNN + mask IoU linking",
        L(MaskIoUTracker)(score_thr=0.6, min_iou=0.3),
    ),
}
COLUMNS = ("AP", "AP50", "AP75", "AR1", "AR10")


def train_net(*args):
    command = [sys.executable, str(REPO / "tools/lazyconfig_train_net.py"), *map(str, args)]
    subprocess.run(command, check=True, cwd=REPO)


def evaluate_seed(cfg, weights, args):
    """``{tracker: {"segm": {...}, "seconds": s}}`` of one trained model on ``args.split``."""
    cfg.dataloader.test.dataset_dicts.update(names=args.split, num_videos=args.num_videos)
    model = instantiate(cfg.model).to(resolve_device(cfg.train.device)).eval()
    load_eval_weights(model, str(weights), source="model_final.pth")
    model.tracker = instantiate(TRACKERS[args.only[0]][1])
    runner, loader = ReplayDetections(model), instantiate(cfg.dataloader.test)
    out = {}
    for short in args.only:
        model.tracker = instantiate(TRACKERS[short][1])
        evaluator = VISEvaluator(args.split, output_dir=str(weights.parent / short))
        start = time.perf_counter()
        results = inference_on_dataset(runner, loader, evaluator)
        out[short] = {"segm": results["segm"], "seconds": time.perf_counter() - start}
        logger.info(f"{short}: {results['segm']}")
    return out


def summarise(runs, names):
    return {
        short: {
            c: {"values": v, **mean_std(v)}
            for c in COLUMNS
            for v in [[run["trackers"][short]["segm"][c] for run in runs.values()]]
        }
        for short in names
    }


def markdown_table(summary):
    lines = ["| tracker | " + " | ".join(COLUMNS) + " |", "|---|" + "---:|" * len(COLUMNS)]
    for short, stats in summary.items():
        cells = [format_cell(stats[c], 1) for c in COLUMNS]
        lines.append(f"| {TRACKERS[short][0]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__[__doc__.index("Example") :],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_seed_table_arguments(
        parser, config=REPO / CONFIG, output="output/vis_table", trackers=TRACKERS
    )
    parser.add_argument("--split", default="synthetic_vis_val", help="the scored dataset")
    add_overrides_argument(parser)
    args = parser.parse_args(argv)
    args.output = args.output.resolve()
    return args


def main(argv=None):
    args = parse_args(argv)
    setup_logger(name="d2track")
    setup_logger()  # Detectron2's inference progress
    runs = {}
    for seed in args.seeds:
        weights, train_s = seed_weights(args, seed, train_net)
        cfg = load_config(args.config_file, args.opts)
        trackers = evaluate_seed(cfg, weights, args)
        runs[seed] = {"weights": str(weights), "train_seconds": train_s, "trackers": trackers}
    summary = summarise(runs, args.only)
    table = markdown_table(summary)
    print(table)
    record = dict(
        config=str(args.config_file),
        split=args.split,
        num_videos=args.num_videos,
        seeds=list(args.seeds),
        trackers={short: TRACKERS[short][0] for short in args.only},
        overrides=list(args.opts),
        machine=machine_info(),
        table=table,
        summary=summary,
        runs=runs,
    )
    dump_json(record, args.output / args.table_name)
    return record


if __name__ == "__main__":
    main()
