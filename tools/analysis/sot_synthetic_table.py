#!/usr/bin/env python
"""Score the tiny SiamRPN++ and two baselines on ``synthetic_sot_val``: OPE, VOT and target loss.

For each seed, trains ``projects/SiamRPNpp/configs/siamese_rpn_tiny_800it_synthetic.py`` with
``train.seed=<seed>`` into ``<output>/seed<seed>/`` (``--skip-train`` reuses the
``model_final.pth`` there), then runs these trackers over the validation videos through the
model's own test loop (:class:`~d2track.engine.sot_inference.SOTTestProtocol`, Detectron2's
inference loop):

* ``siamrpn``: the config's :class:`~d2track.tracking.sot.SiameseRPNTracker` (lost detector
  ``visibility="relative"``);
* ``siamrpn_threshold``: the same with ``visibility="threshold"`` (visible when the raw score
  is at least ``--score-threshold``, 0.5 by default; its boxes differ too, as both modes keep
  a lost target's box where it was last visible);
* ``static``: :class:`~d2track.tracking.sot.StaticBoxTracker` (the first box, never moved);
* ``template``: :class:`~d2track.tracking.sot.TemplateMatchTracker` (OpenCV ``matchTemplate``,
  visible at a match value of 0.5).

Each is scored with OPE (:class:`~d2track.evaluation.SOTEvaluator`: success, precision,
norm_precision, percent) and the VOT reset protocol (:class:`~d2track.evaluation.VOTEvaluator`:
EAO, accuracy, robustness = failures per 100 frames); the synthetic videos are 30 frames long,
so the EAO interval is frames 1 to T-1 of the shortest video (VOT2018's 100-356 lies beyond every
run). Target loss, over the tracked frames (not frame 0) of the OPE run: ``absent_as_visible``
is the fraction reported visible among frames whose ground truth has no visible target (absent
or flagged), ``present_as_lost`` the fraction reported not visible among the others. Prints a
markdown table (mean ± standard deviation over seeds) and writes ``<output>/table.json``
(``--table-name``; atomically), with per-seed results, timings and the machine. The training
run also scores ``siamrpn`` with OPE at its end (``train_eval_results`` in the json, the same
numbers).

Example (the README's table: 3 seeds, each trained for 800 iterations on the CPU)::

    .venv/bin/python tools/analysis/sot_synthetic_table.py --output output/sot_table

A quick look at trained weights on 3 videos (``key=value`` overrides go to the config)::

    .venv/bin/python tools/analysis/sot_synthetic_table.py --output output/sot_table \\
        --seeds 0 --skip-train --num-videos 3 dataloader.test.num_workers=0

The same weights on the 100 videos of ``synthetic_sot_val100``, into ``table_val100.json``::

    .venv/bin/python tools/analysis/sot_synthetic_table.py --output output/sot_table \\
        --skip-train --only siamrpn template --table-name table_val100.json \\
        dataloader.test.dataset_dicts.names=synthetic_sot_val100

``synthetic_sot_test100`` (the held-out split where the recipe was chosen, 100 videos) likewise,
with ``--table-name table_test100.json``.
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import copy
import json
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
from d2track.data.build import subset_videos
from d2track.engine import EVAL_RESULTS_FILE, inference_on_dataset, resolve_device
from d2track.engine.sot_inference import SOTTestProtocol
from d2track.evaluation import VOTEvaluator
from d2track.evaluation.sot.evaluator import sot_ground_truth
from d2track.evaluation.video_evaluator import VideoEvaluator
from d2track.tracking.sot import StaticBoxTracker, TemplateMatchTracker
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
CONFIG = "projects/SiamRPNpp/configs/siamese_rpn_tiny_800it_synthetic.py"
TRACKERS = {  # short name: table name
    "siamrpn": "SiamRPN++ tiny (relative visibility)",
    "siamrpn_threshold": "SiamRPN++ tiny (score threshold visibility)",
    "static": "first-frame box (static)",
    "template": "template matching (OpenCV)",
}
COLUMNS = {  # column: (protocol, metric, decimals)
    "success": ("sot", "success", 1),
    "precision": ("sot", "precision", 1),
    "norm_precision": ("sot", "norm_precision", 1),
    "EAO": ("vot", "eao", 3),
    "accuracy": ("vot", "accuracy", 3),
    "robustness": ("vot", "robustness", 2),
    "absent_as_visible": ("lost", "absent_as_visible", 3),
    "present_as_lost": ("lost", "present_as_lost", 3),
}


class LostTargetRates(VideoEvaluator):
    """How often a single object tracker's ``visible`` flag contradicts the ground truth.

    Results under ``lost``: ``absent_frames`` and ``present_frames`` (tracked frames, i.e. all
    but frame 0, whose ground truth has no visible target, and the others), ``absent_as_visible``
    and ``present_as_lost`` (the fractions flagged wrongly; NaN without such frames).
    """

    task = "lost"

    def process_frame(self, input, output):
        instances = output.get("instances") if isinstance(output, dict) else None
        if instances is None:
            return None  # a VOT code
        return bool(instances.visible[0]) if instances.has("visible") else True

    def evaluate_videos(self, records):
        counts = {"absent": 0, "absent_as_visible": 0, "present": 0, "present_as_lost": 0}
        for video_id, reported in records.items():
            frames = self.video_frames[video_id]
            _, gt_visible, _ = sot_ground_truth(frames)
            for frame, visible in zip(frames, gt_visible):
                if frame["frame_id"] == 0 or frame["frame_id"] not in reported:
                    continue  # frame 0 initialises: the tracker is given the target
                flag = reported[frame["frame_id"]]
                key = "present" if visible else "absent"
                counts[key] += 1
                counts["present_as_lost" if visible else "absent_as_visible"] += flag != bool(
                    visible
                )
        return {
            self.task: {
                "absent_frames": counts["absent"],
                "present_frames": counts["present"],
                "absent_as_visible": _rate(counts["absent_as_visible"], counts["absent"]),
                "present_as_lost": _rate(counts["present_as_lost"], counts["present"]),
            }
        }


class ShortRunVOTEvaluator(VOTEvaluator):
    """:class:`~d2track.evaluation.VOTEvaluator` that scores a tracker failing at once too.

    When every run fails on its first tracked frame the EAO curve is one frame long and an
    interval from frame 1 on is beyond it; the curve is 0 there (failed runs count overlap 0
    after their failure), so EAO is 0 and accuracy and robustness are computed as usual.
    """

    def evaluate_videos(self, records):
        try:
            return super().evaluate_videos(records)
        except ValueError as e:
            if "outside the EAO curve" not in str(e) or self.interval[0] != 1:
                raise
        interval, self.interval = self.interval, (0, self.interval[1])
        try:
            results = super().evaluate_videos(records)
        finally:
            self.interval = interval
        results[self.task]["eao"] = 0.0
        return results


def _rate(count, total):
    return count / total if total else float("nan")


def train_net(*args):
    command = [sys.executable, str(REPO / "tools/lazyconfig_train_net.py"), *map(str, args)]
    subprocess.run(command, check=True, cwd=REPO)


def make_tracker(cfg, short, score_threshold):
    """A fresh tracker of :data:`TRACKERS`; the SiamRPN++ ones as the config states them."""
    if short == "static":
        return StaticBoxTracker()
    if short == "template":
        return TemplateMatchTracker()
    tracker_cfg = copy.deepcopy(cfg.model.tracker)
    if short == "siamrpn_threshold":
        tracker_cfg.update(visibility="threshold", score_threshold=score_threshold)
    return instantiate(tracker_cfg)


def val_data(cfg, num_videos):
    """The config's test loader over its first ``num_videos`` videos; its dataset and frames.

    ``cfg.dataloader`` is changed: the loader's frames are those videos, and the evaluator's
    dataset name, which the config reads from the loader's, is set explicitly.
    """
    test = cfg.dataloader.test
    name = test.dataset_dicts.names
    cfg.dataloader.evaluator.dataset_name = name
    test.dataset_dicts = L(subset_videos)(dataset_dicts=test.dataset_dicts, num_videos=num_videos)
    return instantiate(test), name, instantiate(test.dataset_dicts)


def eao_interval(dataset_dicts):
    """(1, T - 1) for the shortest video's length T."""
    lengths = {}
    for d in dataset_dicts:
        lengths[d["video_id"]] = lengths.get(d["video_id"], 0) + 1
    return (1, min(lengths.values()) - 1)


def run_tracker(model, tracker, loader, evaluators, protocol):
    """Results and seconds of one tracker over the loader's videos with ``protocol``."""
    model.tracker, model.test_protocol = tracker, SOTTestProtocol(protocol=protocol)
    start = time.perf_counter()
    results = inference_on_dataset(model, loader, evaluators)
    return results, time.perf_counter() - start


def evaluate_seed(cfg, weights, args):
    """Per tracker ``{"sot", "vot", "lost", "seconds"}`` of one trained model, and the EAO
    interval; ``seconds``: of the OPE and VOT runs (frame loading included) over ``frames``."""
    model = instantiate(cfg.model).to(resolve_device(cfg.train.device)).eval()
    load_eval_weights(model, str(weights), source="model_final.pth")
    loader, name, frames = val_data(cfg, args.num_videos)
    interval = eao_interval(frames)
    out = {}
    for short in args.only:
        ope = [instantiate(cfg.dataloader.evaluator), LostTargetRates(name)]
        tracker = make_tracker(cfg, short, args.score_threshold)
        ope, ope_s = run_tracker(model, tracker, loader, ope, "ope")
        tracker = make_tracker(cfg, short, args.score_threshold)
        vot = ShortRunVOTEvaluator(name, interval=interval)
        vot, vot_s = run_tracker(model, tracker, loader, vot, "vot")
        seconds = {"ope": ope_s, "vot": vot_s, "frames": len(frames)}
        out[short] = {**ope, **vot, "seconds": seconds}
        logger.info(f"{short}: {ope} {vot} ({ope_s:.1f} s OPE, {vot_s:.1f} s VOT)")
    return out, interval


def summarise(runs, names):
    """Per tracker and column: the values over seeds and their mean and sample std."""
    summary = {}
    for short in names:
        summary[short] = {}
        for column, (task, metric, _) in COLUMNS.items():
            values = [run["trackers"][short][task][metric] for run in runs.values()]
            summary[short][column] = {"values": values, **mean_std(values)}
    return summary


def markdown_table(summary):
    lines = ["| tracker | " + " | ".join(COLUMNS) + " |", "|---|" + "---:|" * len(COLUMNS)]
    for short in summary:
        name = TRACKERS[short]
        cells = [format_cell(summary[short][c], d) for c, (_, _, d) in COLUMNS.items()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__[__doc__.index("Example") :],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_seed_table_arguments(
        parser, config=REPO / CONFIG, output="output/sot_table", trackers=TRACKERS
    )
    parser.add_argument(
        "--score-threshold",
        type=float,
        default=0.5,
        help="raw score threshold of the siamrpn_threshold visibility baseline",
    )
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
        trackers, interval = evaluate_seed(cfg, weights, args)
        runs[seed] = {"weights": str(weights), "train_seconds": train_s, "trackers": trackers}
        train_eval = weights.parent / EVAL_RESULTS_FILE  # the training run's own OPE of siamrpn
        if train_eval.is_file():
            runs[seed]["train_eval_results"] = json.loads(train_eval.read_text())
    summary = summarise(runs, args.only)
    table = markdown_table(summary)
    print(table)
    record = dict(
        config=str(args.config_file),
        seeds=list(args.seeds),
        trackers={short: TRACKERS[short] for short in args.only},
        num_videos=args.num_videos,
        score_threshold=args.score_threshold,
        eao_interval=list(interval),
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
