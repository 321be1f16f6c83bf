#!/usr/bin/env python
"""Convert MOTChallenge (MOT15/16/17/20) to CocoVID jsons (see datasets/README.md).

Writes ``<output-root>/<MOTxx>/annotations/{train,test,half-train,half-val}_cocoformat.json``
(images stay in ``<input>/{train,test}``: place or link the input at ``<output-root>/<MOTxx>``),
and with ``--convert-det`` ``<split>_detections.json`` (format: :mod:`d2track.data.converters.mot`).

Usage::

    python datasets/prepare_mot.py --input datasets/MOT17 --benchmark MOT17 [--convert-det] \
        [--output-root datasets]
"""

import argparse
import os
import sys

from d2track.data.converters import progress
from d2track.data.converters.mot import SPLITS, convert_split
from d2track.data.datasets.root import datasets_root
from d2track.utils.file_io import dump_json
from d2track.utils.input_files import InputFileError


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="MOT root holding train/ and test/")
    parser.add_argument("--benchmark", required=True, choices=["MOT15", "MOT16", "MOT17", "MOT20"])
    parser.add_argument("--output-root", default=None, help="default: $DETECTRON2_DATASETS")
    parser.add_argument("--convert-det", action="store_true", help="also write public detections")
    return parser.parse_args(argv)


def convert(input_root, benchmark, output_root, convert_det=False):
    """Convert every split; returns ``{split: summary}``."""
    out_dir = os.path.join(output_root, benchmark, "annotations")
    summaries = {}
    for split in SPLITS:
        writer, dets = convert_split(
            input_root,
            benchmark,
            split,
            convert_det=convert_det,
            sequences=lambda names, s=split: progress(names, f"{benchmark} {s}"),
        )
        summaries[split] = writer.write(os.path.join(out_dir, f"{split}_cocoformat.json"))
        if dets is not None:
            dump_json(dets, os.path.join(out_dir, f"{split}_detections.json"), indent=None)
    return summaries


def main(argv=None):
    args = parse_args(argv)
    output_root = args.output_root or datasets_root()
    return convert(args.input, args.benchmark, output_root, args.convert_det)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except InputFileError as e:  # a layout problem: say where, skip the traceback
        sys.exit(f"error: {e}")
