#!/usr/bin/env python
"""Convert SportsMOT to CocoVID jsons (see datasets/README.md).

Writes ``<output-root>/SportsMOT/annotations/{train,val,test}_cocoformat.json`` and, from
``splits_txt/<sport>.txt``, ``val_{basketball,volleyball,football}_cocoformat.json`` (images stay
in ``<input>/dataset/{train,val,test}``: place or link the input at ``<output-root>/SportsMOT``),
read by the builtin splits ``sportsmot_{train,val,test}`` and ``sportsmot_val_<sport>``. Format:
``d2track/data/converters/sportsmot.py``.

Usage::

    python datasets/prepare_sportsmot.py --input datasets/SportsMOT [--output-root datasets]
"""

import argparse
import os
import sys

from d2track.data.converters import progress
from d2track.data.converters.sportsmot import SPLITS, SPORTS, convert_split
from d2track.data.datasets.builtin import DANCETRACK_SPORTSMOT_SPLITS
from d2track.data.datasets.root import datasets_root
from d2track.utils.input_files import InputFileError, require_dir, require_file


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--input", required=True, help="SportsMOT root holding dataset/ and splits_txt/"
    )
    parser.add_argument("--output-root", default=None, help="default: $DETECTRON2_DATASETS")
    parser.add_argument("--splits", nargs="+", default=list(SPLITS), choices=SPLITS)
    parser.add_argument(
        "--no-sports", action="store_true", help="skip the per-sport val jsons (val_<sport>)"
    )
    return parser.parse_args(argv)


def _jobs(splits, sports):
    """``(builtin split name, split, sport)`` to write, in order."""
    jobs = [(f"sportsmot_{split}", split, None) for split in splits]
    if sports and "val" in splits:
        jobs += [(f"sportsmot_val_{sport}", "val", sport) for sport in SPORTS]
    return jobs


def convert(input_root, output_root, splits=SPLITS, sports=True):
    """Convert the splits (and the per-sport val subsets); returns ``{name: summary}`` keyed by
    the builtin split names."""
    jobs = _jobs(splits, sports)
    for _, split, sport in jobs:  # fail before writing anything when an input is missing
        require_dir(os.path.join(input_root, "dataset", split), f"SportsMOT {split} folder")
        if sport:
            require_file(os.path.join(input_root, "splits_txt", f"{sport}.txt"), "sport list")
    summaries = {}
    for name, split, sport in jobs:
        writer = convert_split(
            input_root, split, sport=sport, sequences=lambda names, n=name: progress(names, n)
        )
        json_file = DANCETRACK_SPORTSMOT_SPLITS[name].json_file
        summaries[name] = writer.write(os.path.join(output_root, json_file))
    return summaries


def main(argv=None):
    args = parse_args(argv)
    try:
        return convert(
            args.input, args.output_root or datasets_root(), args.splits, not args.no_sports
        )
    except InputFileError as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main(sys.argv[1:])
