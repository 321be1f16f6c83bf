#!/usr/bin/env python
"""Cut ReID crops and train/val lists from MOTChallenge train sequences (see datasets/README.md).

Usage::

    python datasets/prepare_mot_reid.py --input datasets/MOT17 --output datasets/MOT17/reid \\
        [--val-split 0.2] [--vis-threshold 0.3] [--min-per-person 8] [--max-per-person 1000]

Writes ``<output>/imgs/<SEQ>_<id>/<frame>.jpg`` and ``<output>/meta/{train_80,val_20}.txt``
plus ``<output>/meta/train.txt`` (every identity; rules in :mod:`d2track.data.converters.mot_reid`).
"""

import argparse
import sys

from d2track.data.converters import progress
from d2track.data.converters.mot_reid import (
    collect_identities,
    reid_sequences,
    select_identities,
    split_identities,
    write_crops,
    write_lists,
)
from d2track.utils.input_files import InputFileError


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="MOT root holding train/")
    parser.add_argument("--output", required=True, help="folder for imgs/ and meta/")
    parser.add_argument("--val-split", type=float, default=0.2, help="fraction of identities")
    parser.add_argument("--vis-threshold", type=float, default=0.3)
    parser.add_argument("--min-per-person", type=int, default=8)
    parser.add_argument("--max-per-person", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0, help="seed of the per-person subsampling")
    args = parser.parse_args(argv)
    if not 0 <= args.val_split < 1:
        parser.error("--val-split must be in [0, 1)")
    return args


def main(argv=None):
    args = parse_args(argv)
    names = reid_sequences(args.input)
    identities = collect_identities(args.input, names, args.vis_threshold)
    identities = select_identities(
        identities, args.min_per_person, args.max_per_person, seed=args.seed
    )
    train_keys, val_keys = split_identities(identities, args.val_split)
    crops = write_crops(
        args.input, args.output, identities, lambda items: progress(items, "frames")
    )
    paths = write_lists(args.output, identities, train_keys, val_keys, args.val_split)
    print(
        f"{len(names)} sequences, {crops} crops, {len(train_keys)} train / {len(val_keys)} val "
        f"identities -> {', '.join(paths)}"
    )
    return {"crops": crops, "train": train_keys, "val": val_keys, "lists": paths}


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except InputFileError as e:  # a layout problem: say where, skip the traceback
        sys.exit(f"error: {e}")
