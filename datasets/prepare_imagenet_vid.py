#!/usr/bin/env python
"""Convert ImageNet VID (ILSVRC2015) to the CocoVID jsons of ``imagenet_vid_{train,val}``.

Example::

    python datasets/prepare_imagenet_vid.py --input datasets/ILSVRC --output-root datasets

writes ``<output-root>/ILSVRC/annotations/imagenet_vid_{train,val}.json`` (images under
``<output-root>/ILSVRC/Data/VID``). See datasets/README.md and
:mod:`d2track.data.converters.imagenet` for the expected layout and list formats.
"""

import argparse
import os
import sys

from d2track.data.converters.imagenet import convert_vid
from d2track.data.datasets.builtin import BENCHMARK_SPLITS
from d2track.data.datasets.root import datasets_root
from d2track.utils.input_files import InputFileError


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--input", required=True, help="ILSVRC2015 folder (Data/, Annotations/)")
    parser.add_argument(
        "--output-root",
        default=None,
        help="datasets root to write under (default: $DETECTRON2_DATASETS or datasets)",
    )
    parser.add_argument("--lists", default=None, help="folder of the FGFA lists (<input>/Lists)")
    parser.add_argument("--splits", nargs="+", default=["train", "val"], choices=["train", "val"])
    return parser.parse_args(argv)


def main(argv=None):
    """Convert each requested split; returns ``{split: summary}``."""
    args = parse_args(argv)
    output_root = args.output_root or datasets_root()
    summaries = {}
    for split in args.splits:
        writer = convert_vid(args.input, split, args.lists)
        json_file = os.path.join(output_root, BENCHMARK_SPLITS[f"imagenet_vid_{split}"].json_file)
        summaries[split] = writer.write(json_file)
    return summaries


if __name__ == "__main__":
    try:
        main()
    except InputFileError as e:  # a layout problem: say where, skip the traceback
        sys.exit(f"error: {e}")
