#!/usr/bin/env python
"""Every MOT tracker behind one detector, on the plain and the hard synthetic MOT splits.

For each seed ``k`` the tiny pedestrian detector
(``configs/mot/faster_rcnn_tiny_800it_synthetic_mot_mixed.py``: plain, dance and sports training
videos) and the tiny ReID model (``configs/reid/reid_tiny_400it_synthetic.py``) are trained
with ``train.seed=k`` into ``<output>/seed<k>/{detector,reid}`` (reused when there, unless
``--rerun``); QDTrack, whose detector and embedding head train together, gets its own tiny model
(``projects/QDTrack/configs/qdtrack_faster_rcnn_tiny_800it_synthetic_mot.py``, on the same three
training splits) in ``<output>/seed<k>/qdtrack``. On each split the detections, their ReID
embeddings and the frames are computed once
(:class:`~d2track.engine.tracker_grid_search.ReplayDetections`) and every tracker of
:data:`TRACKERS` (``configs/common/trackers.py``, MMTracking's or the authors' settings, untuned
here) links them; Tracktor, which regresses boxes with the detector on every frame, runs the
whole model. Scored by :class:`~d2track.evaluation.MOTEvaluator` (TrackEval's HOTA, CLEAR,
Identity); ``ms/frame`` is the tracker's ``update`` alone (median over the videos' frames, the
detector and ReID excluded except Tracktor's own regressions).

One table per split (mean ± standard deviation over the seeds) is printed and written with
every per-seed value and the machine to ``<output>/table.json``.

Example (the projects' READMEs' table: 3 seeds, 3 splits)::

    .venv/bin/python tools/analysis/mot_synthetic_table.py --output output/mot_table
    .venv/bin/python tools/analysis/mot_synthetic_table.py --seeds 0 --only sort bytetrack \\
        --splits synthetic_mot_val --num-videos 2 --output output/mot_table_quick
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import logging
import statistics
import subprocess
import sys
import time
from pathlib import Path

from detectron2.config import LazyCall as L
from detectron2.config import instantiate
from detectron2.utils.logger import setup_logger

from d2track.checkpoint import load_eval_weights
from d2track.config import get_config, load_config
from d2track.data.build import subset_videos
from d2track.engine import inference_on_dataset
from d2track.engine.tracker_grid_search import ReplayDetections
from d2track.evaluation import MOTEvaluator
from d2track.tracking import BaseTracker, select_tracked
from d2track.utils.file_io import dump_json
from d2track.utils.seed_tables import add_overrides_argument, format_cell, machine_info, mean_std

logger = logging.getLogger("d2track")
REPO = Path(__file__).resolve().parents[2]
DETECTOR = "configs/mot/faster_rcnn_tiny_800it_synthetic_mot_mixed.py"
REID = "configs/reid/reid_tiny_400it_synthetic.py"
MODEL = "projects/ByteTrack/configs/bytetrack_faster_rcnn_tiny_synthetic_mot.py"
SPLITS = ("synthetic_mot_val", "synthetic_mot_dance_val", "synthetic_mot_sports_val")
#: short name -> (row name, attribute of configs/common/trackers.py)
TRACKERS = {
    "sort": ("SORT", "sort"),
    "deepsort": ("DeepSORT", "deepsort"),
    "tracktor": ("Tracktor", "tracktor"),
    "bytetrack": ("ByteTrack (MMTracking's settings)", "bytetrack"),
    "bytetrack_original": ("ByteTrack (the authors' settings)", "bytetrack_original"),
    "ocsort": ("OC-SORT", "ocsort"),
    "deep_ocsort": ("Deep OC-SORT", "deep_ocsort"),
    "botsort": ("BoT-SORT-ReID", "botsort"),
    "strongsort": ("StrongSORT", "strongsort"),
    "qdtrack": ("QDTrack (its own detector)", "qdtrack"),
}
#: trackers run behind a model of their own, not the shared detector
OWN_MODEL = {"qdtrack": "projects/QDTrack/configs/qdtrack_faster_rcnn_tiny_800it_synthetic_mot.py"}
TRAIN_SPLITS = "['synthetic_mot_train','synthetic_mot_dance_train','synthetic_mot_sports_train']"
COLUMNS = ("HOTA", "AssA", "IDF1", "MOTA", "IDSW", "ms/frame")
_DECIMALS = {"IDSW": 0, "ms/frame": 2}


class _Prime(BaseTracker):
    """Outputs nothing, but asks for everything a tracker may read: the replay's first pass."""

    needs_embeds = True
    needs_image = True

    def _track(self, instances, **_):
        return select_tracked(instances, [-1] * len(instances))


class _Timed:
    """A tracker whose ``update`` durations are recorded (everything else is the tracker's)."""

    def __init__(self, tracker):
        self.tracker, self.seconds = tracker, []

    def __getattr__(self, name):
        return getattr(self.tracker, name)

    def update(self, instances, **context):
        start = time.perf_counter()
        out = self.tracker.update(instances, **context)
        self.seconds.append(time.perf_counter() - start)
        return out


def train_net(*args):
    command = [sys.executable, str(REPO / "tools/lazyconfig_train_net.py"), *map(str, args)]
    subprocess.run(command, check=True, cwd=REPO)


def trained(config, out_dir, seed, rerun, *extra):
    """``out_dir/model_final.pth`` of ``config`` trained with ``train.seed=seed`` (reused)."""
    weights = out_dir / "model_final.pth"
    if rerun or not weights.is_file():
        overrides = [f"train.output_dir={out_dir}", f"train.seed={seed}", *extra]
        train_net("--config-file", REPO / config, *overrides)
    return weights


def split_config(split, detector, reid, args):
    """The tracking config on ``split`` with the seed's weights (tracker set later)."""
    cfg = eval_config(MODEL, split, args)
    cfg.model.update(detector_weights=str(detector), reid=load_config(str(REPO / REID), []).model)
    cfg.model.reid_weights = str(reid)
    return cfg


def eval_config(config, split, args):
    """``config`` with ``args.opts``, testing on ``split`` (its first ``args.num_videos``)."""
    cfg = load_config(str(REPO / config), args.opts)
    test = cfg.dataloader.test
    test.dataset_dicts = L(subset_videos)(
        dataset_dicts=L(test.dataset_dicts._target_)(names=split), num_videos=args.num_videos
    )
    return cfg


def run_tracker(model, runner, loader, tracker_cfg, split, out_dir):
    """MOT metrics and the median ms per ``update`` of one tracker on one split."""
    model.tracker = _Timed(instantiate(tracker_cfg))
    evaluator = MOTEvaluator(split, output_dir=str(out_dir))
    results = inference_on_dataset(runner, loader, evaluator)["mot"]
    results["ms/frame"] = 1000 * statistics.median(model.tracker.seconds)
    return results


def evaluate_own_model(short, weights, split, args, out_dir):
    """Metrics of a tracker behind its own trained model (:data:`OWN_MODEL`)."""
    cfg = eval_config(OWN_MODEL[short], split, args)
    model = instantiate(cfg.model).eval()
    load_eval_weights(model, str(weights), source="model_final.pth")
    loader = instantiate(cfg.dataloader.test)
    tracker_cfg = getattr(get_config("common/trackers.py"), TRACKERS[short][1])
    return run_tracker(model, model, loader, tracker_cfg, split, out_dir / short)


def evaluate_split(cfg, split, names, out_dir):
    """``{tracker: metrics}`` of the trackers ``names`` (behind the shared detector) on a split."""
    trackers = get_config("common/trackers.py")
    model = instantiate(cfg.model).eval()
    loader = instantiate(cfg.dataloader.test)
    replay = ReplayDetections(model)
    model.tracker = _Prime()
    if not names:
        return {}
    inference_on_dataset(replay, loader, [])  # detect, embed and keep the frames once
    out = {}
    for short in names:
        tracker_cfg = getattr(trackers, TRACKERS[short][1])
        runner = model if short == "tracktor" else replay
        out[short] = run_tracker(model, runner, loader, tracker_cfg, split, out_dir / short)
        logger.info(f"{split} {short}: {out[short]}")
    return out


def summarise(runs, names, splits):
    """Per split, tracker and column: the per-seed values, mean and std."""
    return {
        split: {
            short: {
                c: {"values": v, **mean_std(v)}
                for c in COLUMNS
                for v in [[run[split][short][c] for run in runs.values()]]
            }
            for short in names
        }
        for split in splits
    }


def markdown_tables(summary):
    parts = []
    for split, rows in summary.items():
        lines = [f"`{split}`:", "", "| tracker | " + " | ".join(COLUMNS) + " |"]
        lines.append("|---|" + "---:|" * len(COLUMNS))
        for short, stats in rows.items():
            cells = [format_cell(stats[c], _DECIMALS.get(c, 1)) for c in COLUMNS]
            lines.append(f"| {TRACKERS[short][0]} | " + " | ".join(cells) + " |")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__[__doc__.index("Example") :],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--output", default="output/mot_table", type=Path)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2], help="train.seed values")
    parser.add_argument("--splits", nargs="+", default=list(SPLITS), help="the scored datasets")
    parser.add_argument("--only", nargs="+", choices=list(TRACKERS), default=list(TRACKERS))
    parser.add_argument("--num-videos", type=int, help="score only the first N videos per split")
    parser.add_argument("--rerun", action="store_true", help="retrain even if weights exist")
    add_overrides_argument(parser)
    args = parser.parse_args(argv)
    args.output = args.output.resolve()
    return args


def main(argv=None):
    args = parse_args(argv)
    setup_logger(name="d2track")
    runs = {}
    for seed in args.seeds:
        seed_dir = args.output / f"seed{seed}"
        detector = trained(DETECTOR, seed_dir / "detector", seed, args.rerun)
        reid = trained(REID, seed_dir / "reid", seed, args.rerun)
        own = {
            short: trained(
                OWN_MODEL[short],
                seed_dir / short,
                seed,
                args.rerun,
                f"dataloader.train.dataset.dataset_dicts.names={TRAIN_SPLITS}",
            )
            for short in args.only
            if short in OWN_MODEL
        }
        shared = [short for short in args.only if short not in OWN_MODEL]
        runs[seed] = {}
        for split in args.splits:
            cfg = split_config(split, detector, reid, args)
            runs[seed][split] = evaluate_split(cfg, split, shared, seed_dir / split)
            for short, weights in own.items():
                runs[seed][split][short] = evaluate_own_model(
                    short, weights, split, args, seed_dir / split
                )
    summary = summarise(runs, args.only, args.splits)
    tables = markdown_tables(summary)
    print(tables)
    record = dict(
        seeds=list(args.seeds),
        splits=list(args.splits),
        num_videos=args.num_videos,
        trackers={short: TRACKERS[short][0] for short in args.only},
        overrides=list(args.opts),
        machine=machine_info(),
        tables=tables,
        summary=summary,
        runs=runs,
    )
    dump_json(record, args.output / "table.json")
    return record


if __name__ == "__main__":
    main()
