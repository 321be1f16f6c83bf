#!/usr/bin/env python
"""Convert ImageNet DET (ILSVRC2015, DET_train_30classes list) to ``imagenet_det_train``'s json.

Example::

    python datasets/prepare_imagenet_det.py --input datasets/ILSVRC --output-root datasets

writes ``<output-root>/ILSVRC/annotations/imagenet_det_30plus1cls.json`` (images under
``<output-root>/ILSVRC/Data/DET``): the 30 VID classes (ids 1..30) and ``other_categories``
(id 31). See datasets/README.md and :mod:`d2track.data.converters.imagenet`.
"""

import argparse
import os
import sys

from d2track.data.converters.imagenet import convert_det
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
    parser.add_argument(
        "--all-images",
        action="store_true",
        help="also add every unlisted DET train image (is_vid_train_frame: false), as MMTracking",
    )
    return parser.parse_args(argv)


def main(argv=None):
    """Convert the DET training list; returns the summary."""
    args = parse_args(argv)
    output_root = args.output_root or datasets_root()
    writer = convert_det(args.input, args.lists, all_images=args.all_images)
    json_file = os.path.join(output_root, BENCHMARK_SPLITS["imagenet_det_train"].json_file)
    return writer.write(json_file)


if __name__ == "__main__":
    try:
        main()
    except InputFileError as e:  # a layout problem: say where, skip the traceback
        sys.exit(f"error: {e}")
