#!/usr/bin/env python
"""Convert DanceTrack to CocoVID jsons (see datasets/README.md).

Writes ``<output-root>/DanceTrack/annotations/{train,val,test}_cocoformat.json`` (images stay in
``<input>/{train,val,test}``: place or link the input at ``<output-root>/DanceTrack``), read by
the builtin splits ``dancetrack_{train,val,test}``. Format:
``d2track/data/converters/dancetrack.py``.

Usage::

    python datasets/prepare_dancetrack.py --input datasets/DanceTrack [--output-root datasets]
"""

import argparse
import os
import sys

from d2track.data.converters import progress
from d2track.data.converters.dancetrack import SPLITS, convert_split
from d2track.data.datasets.builtin import DANCETRACK_SPORTSMOT_SPLITS
from d2track.data.datasets.root import datasets_root
from d2track.utils.input_files import InputFileError, require_dir


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="DanceTrack root holding train/ val/ test/")
    parser.add_argument("--output-root", default=None, help="default: $DETECTRON2_DATASETS")
    parser.add_argument("--splits", nargs="+", default=list(SPLITS), choices=SPLITS)
    return parser.parse_args(argv)


def convert(input_root, output_root, splits=SPLITS):
    """Convert the splits; returns ``{split: summary}``."""
    for split in splits:  # fail before writing anything when a requested split is missing
        require_dir(os.path.join(input_root, split), f"DanceTrack {split} folder")
    summaries = {}
    for split in splits:
        writer = convert_split(
            input_root, split, sequences=lambda names, s=split: progress(names, f"DanceTrack {s}")
        )
        json_file = DANCETRACK_SPORTSMOT_SPLITS[f"dancetrack_{split}"].json_file
        summaries[split] = writer.write(os.path.join(output_root, json_file))
    return summaries


def main(argv=None):
    args = parse_args(argv)
    try:
        return convert(args.input, args.output_root or datasets_root(), args.splits)
    except InputFileError as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main(sys.argv[1:])
