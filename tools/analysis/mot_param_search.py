#!/usr/bin/env python
"""Grid search over a MOT config's tracker fields given as lists; logs the metrics per combination.

Example (a 2 x 2 grid over ByteTrack's thresholds, as MMTracking's ``mot_param_search.py``)::

    tools/analysis/mot_param_search.py --config-file projects/ByteTrack/configs/<config>.py \\
        --output output/bytetrack_search \\
        'model.tracker.high_score_thr=[0.5,0.6]' 'model.tracker.init_track_thr=[0.6,0.7]' \\
        model.detector_weights=output/mot_detector/model_final.pth

Lists can also be written in the config itself. Prints a markdown table sorted by the first
metric and writes ``<output>/param_search.json`` (atomically); see
:mod:`d2track.engine.tracker_grid_search` for how detections are reused across combinations.
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import logging
import os

from detectron2.utils.logger import setup_logger

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


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config-file", required=True, metavar="FILE")
    parser.add_argument("--weights", default="", help="checkpoint of the whole tracking model")
    parser.add_argument("--output", required=True, help="folder for param_search.json")
    parser.add_argument("--metrics", nargs="+", default=["HOTA", "MOTA", "IDF1"])
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cfg.train.device)")
    add_allow_partial_argument(parser)
    parser.add_argument("opts", nargs=argparse.REMAINDER, help="key=value config overrides")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    setup_logger(name="d2track")
    cfg = load_config(args.config_file, args.opts)
    os.makedirs(args.output, exist_ok=True)
    cfg.train.output_dir = args.output
    grid = tracker_grid(cfg.model.tracker)
    logger.info(f"{len(grid)} tracker combination(s) over {sorted(grid[0])}")
    model = build_search_model(
        cfg, args.weights, device=args.device, allow_partial=args.allow_partial
    )
    rows = search(cfg, model, metrics=args.metrics)
    table = results_table(rows, args.metrics)
    print(table)
    dump_json(
        {"metrics": args.metrics, "rows": rows}, os.path.join(args.output, "param_search.json")
    )
    return rows


if __name__ == "__main__":
    main()
