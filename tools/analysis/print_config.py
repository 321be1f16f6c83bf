#!/usr/bin/env python
"""Print a LazyConfig resolved, with ``key=value`` overrides applied (MMTracking's
``tools/analysis/print_config.py``).

Examples::

    # Python-like, one key per line (Detectron2's LazyConfig.to_py)
    tools/analysis/print_config.py projects/SELSA/configs/selsa_faster_rcnn_tiny_400it_synthetic.py
    # YAML, with overrides checked like the training tool's
    tools/analysis/print_config.py configs/mot/faster_rcnn_tiny_400it_synthetic_mot.py \\
        --format yaml train.max_iter=10 --output output/config.yaml

Interpolations are resolved and every ``_target_`` is written as its import path. An unknown
override key is an error naming the closest existing keys (exit status 1), as in
``tools/lazyconfig_train_net.py``. An interpolation that does not resolve in the file (building
blocks under ``configs/common`` refer to keys of the configs importing them) is printed as
written, with a note on stderr. ``--output`` writes the text atomically instead of printing it.
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import os
import sys

from d2track.config import config_to_py, config_to_yaml, load_config
from d2track.config.printing import unresolved_keys
from d2track.utils.file_io import atomic_open

RENDER = {"py": config_to_py, "yaml": config_to_yaml}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("config_file", metavar="CONFIG", help="a LazyConfig file (.py or .yaml)")
    parser.add_argument("--format", choices=sorted(RENDER), default="py", help="default: py")
    parser.add_argument("--output", default=None, help="write to this file instead of stdout")
    parser.add_argument("opts", nargs="*", help="key=value config overrides")
    return parser.parse_intermixed_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if not os.path.isfile(args.config_file):
        raise SystemExit(f"error: config file {args.config_file!r} not found")
    cfg = load_config(args.config_file, args.opts)
    if not len(cfg):
        raise SystemExit(
            f"error: {args.config_file} defines no config keys (a module of config functions, "
            "such as a project's configs/common helpers, is not a config)"
        )
    unresolved = unresolved_keys(cfg)
    if unresolved:
        print(
            f"note: printed as written, these interpolations do not resolve in "
            f"{args.config_file} (a building block?): {', '.join(unresolved)}",
            file=sys.stderr,
        )
    text = RENDER[args.format](cfg)
    if args.output is None:
        sys.stdout.write(text)
        return
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with atomic_open(args.output) as f:
        f.write(text)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
