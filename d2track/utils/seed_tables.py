"""What the synthetic results tables of several seeds share: mean ± std cells and the machine.

Used by ``tools/analysis/sot_synthetic_table.py`` and ``tools/analysis/vis_synthetic_table.py``.
"""

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

from .collect_env import cpu_name

__all__ = [
    "add_overrides_argument",
    "add_seed_table_arguments",
    "format_cell",
    "machine_info",
    "mean_std",
    "seed_weights",
]


def mean_std(values):
    """``{"mean", "std"}`` of per-seed values; both None if a value is undefined (None or NaN),
    ``std`` None for a single seed (sample standard deviation otherwise)."""
    if any(v is None or v != v for v in values):
        return {"mean": None, "std": None}
    std = statistics.stdev(values) if len(values) > 1 else None
    return {"mean": statistics.mean(values), "std": std}


def format_cell(stats, decimals):
    """A table cell of :func:`mean_std`'s result: ``n/a``, ``m`` or ``m ± s``."""
    if stats["mean"] is None:
        return "n/a"
    if stats["std"] is None:
        return f"{stats['mean']:.{decimals}f}"
    return f"{stats['mean']:.{decimals}f} ± {stats['std']:.{decimals}f}"


def machine_info():
    """What the timings ran on (the load average says how shared the machine was)."""
    return {
        "platform": platform.platform(),
        "processor": cpu_name(),
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def add_seed_table_arguments(parser, *, config, output, trackers):
    """The arguments every seed table takes: ``--config-file``, ``--output``, ``--seeds``,
    ``--skip-train``, ``--only`` (among ``trackers``), ``--num-videos``, ``--table-name``; call
    :func:`add_overrides_argument` after the table's own ones."""
    parser.add_argument("--config-file", default=str(config), metavar="FILE")
    parser.add_argument("--output", default=output, type=Path)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2], help="train.seed values")
    parser.add_argument(
        "--skip-train", action="store_true", help="reuse <output>/seed<k>/model_final.pth"
    )
    trackers = list(trackers)
    parser.add_argument(
        "--only", nargs="+", choices=trackers, default=trackers, help="trackers to run"
    )
    parser.add_argument("--num-videos", type=int, help="score only the first N videos")
    parser.add_argument(
        "--table-name",
        default="table.json",
        help="the table's json in --output; another name keeps an earlier table, e.g. when "
        "--skip-train scores the same weights on another split",
    )


def add_overrides_argument(parser):
    """The trailing ``key=value`` config overrides (the last argument of a seed table)."""
    parser.add_argument(
        "opts",
        nargs=argparse.REMAINDER,
        help="key=value config overrides of training and test, last (not after --seeds or --only)",
    )


def seed_weights(args, seed, train_net):
    """``<args.output>/seed<seed>/model_final.pth``, trained now with ``train_net`` (the
    ``tools/lazyconfig_train_net.py`` command line as arguments) unless ``--skip-train``.

    Returns:
        (Path, float or None): the weights and the training seconds (None when reused).
    """
    out_dir = args.output / f"seed{seed}"
    weights = out_dir / "model_final.pth"
    if args.skip_train:
        if not weights.is_file():
            raise SystemExit(f"error: --skip-train, but {weights} does not exist")
        return weights, None
    start = time.perf_counter()
    overrides = [f"train.output_dir={out_dir}", f"train.seed={seed}", *args.opts]
    train_net("--config-file", args.config_file, *overrides)
    return weights, time.perf_counter() - start
