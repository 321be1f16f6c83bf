#!/usr/bin/env python
"""Grid search over a SiameseRPN++ tracker's penalty_k, window_influence and lr on a config's test
split, as MMTracking 0.x's ``tools/analysis/sot/sot_siamrpn_param_search.py``.

Examples::

    # lists of values (a 3 x 2 x 2 grid), OPE success on the config's test split
    tools/analysis/sot_param_search.py --config-file projects/SiamRPNpp/configs/<config>.py \\
        --weights model_final.pth --output output/siamrpn_search \\
        --penalty-k 0.04,0.05,0.06 --window-influence 0.4,0.44 --lr 0.33,0.38
    # MMTracking's ranges: start stop step (numpy.arange, stop excluded)
    tools/analysis/sot_param_search.py --config-file <config>.py --weights model_final.pth \\
        --output out/ --penalty-k-range 0.01 0.22 0.05 --lr-range 0.2 0.5 0.1 \\
        --win-influ-range 0.2 0.5 0.1

A field left out keeps the config's value (lists written as overrides, e.g.
``'model.tracker.penalty_k=[0.04,0.05]'``, work too). Each combination tracks the whole test
split (:func:`d2track.engine.tracker_grid_search.search`) and is scored by the config's
evaluator: OPE success, precision and normalised precision (``SOTEvaluator``), or EAO, accuracy
and robustness with the VOT protocol (``VOTEvaluator``). Prints a table, best first by success
(EAO), logs the best combination and writes ``<output>/param_search.json`` atomically.
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import logging
import os

import numpy as np
from detectron2.utils.logger import setup_logger
from detectron2.utils.registry import locate
from omegaconf import OmegaConf

from d2track.checkpoint import add_allow_partial_argument
from d2track.config import load_config
from d2track.engine.tracker_grid_search import (
    build_search_model,
    results_table,
    search,
    tracker_grid,
)
from d2track.utils.file_io import dump_json

logger = logging.getLogger("d2track")

# tracker field -> (list option, MMTracking's range option)
FIELDS = {
    "penalty_k": ("--penalty-k", "--penalty-k-range"),
    "window_influence": ("--window-influence", "--win-influ-range"),
    "lr": ("--lr", "--lr-range"),
}
# evaluator task -> metrics, the first one ranks the combinations (higher is better)
METRICS = {
    "sot": ("success", "precision", "norm_precision"),
    "vot": ("eao", "accuracy", "robustness"),
}


def float_list(text):
    """``"0.04,0.05"`` -> ``[0.04, 0.05]`` (argparse type)."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if not values or not all(np.isfinite(values)):
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}")
    return values


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config-file", required=True, metavar="FILE")
    parser.add_argument("--weights", default="", help="checkpoint of the SOT model")
    parser.add_argument("--output", required=True, help="folder for param_search.json")
    for field, (list_option, range_option) in FIELDS.items():
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            list_option, type=float_list, dest=field, metavar="V1,V2,...", help="values"
        )
        group.add_argument(
            range_option,
            type=float,
            nargs=3,
            dest=f"{field}_range",
            metavar=("START", "STOP", "STEP"),
            help="numpy.arange(START, STOP, STEP) values (MMTracking's option)",
        )
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cfg.train.device)")
    add_allow_partial_argument(parser)
    parser.add_argument("opts", nargs=argparse.REMAINDER, help="key=value config overrides")
    args = parser.parse_args(argv)
    for field, (_, range_option) in FIELDS.items():
        span = getattr(args, f"{field}_range")
        if span is not None:
            values = np.arange(*span) if span[2] > 0 else []
            if not len(values):
                parser.error(f"{range_option} {' '.join(map(str, span))} gives no value")
            setattr(args, field, [round(float(v), 6) for v in values])
    return args


def set_grid(cfg, args):
    """Put the command line's lists into ``cfg.model.tracker`` (the grid's axes)."""
    for field in FIELDS:
        values = getattr(args, field)
        if values is not None:
            OmegaConf.update(cfg.model.tracker, field, list(values), merge=False)


def evaluator_task(cfg):
    """``"sot"`` (OPE) or ``"vot"``: the results key of the config's evaluator."""
    target = cfg.dataloader.evaluator._target_
    task = getattr(locate(target) if isinstance(target, str) else target, "task", None)
    if task not in METRICS:
        raise ValueError(f"dataloader.evaluator must be a SOTEvaluator or VOTEvaluator: {target}")
    return task


def main(argv=None):
    args = parse_args(argv)
    setup_logger(name="d2track")
    cfg = load_config(args.config_file, args.opts)
    set_grid(cfg, args)
    os.makedirs(args.output, exist_ok=True)
    if "train" in cfg:
        cfg.train.output_dir = args.output
    task = evaluator_task(cfg)
    metrics = METRICS[task]
    grid = tracker_grid(cfg.model.tracker)
    logger.info(f"{len(grid)} tracker combination(s) over {sorted(grid[0])}")
    model = build_search_model(
        cfg, args.weights, device=args.device, allow_partial=args.allow_partial
    )
    rows = search(cfg, model, metrics=metrics, task=task)
    best = max(rows, key=lambda r: r["results"][metrics[0]])
    print(results_table(rows, metrics))
    logger.info(f"best {metrics[0]} {best['results'][metrics[0]]:.2f} with {best['params']}")
    out = dict(task=task, metrics=list(metrics), best=best, rows=rows)
    dump_json(out, os.path.join(args.output, "param_search.json"))
    return out


if __name__ == "__main__":
    main()
