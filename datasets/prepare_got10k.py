"""Convert GOT-10k to CocoVID: ``got10k/annotations/got10k_{train,val,test}.json``.

Usage::

    python datasets/prepare_got10k.py --input datasets/got10k [--splits train val test] \
        [--unzip full_data/val_data.zip ...] [--output-root datasets]
"""

import argparse
import os
import sys

from d2track.data.converters.sot import split_json_path, write_sot_json
from d2track.data.converters.sot_got10k import (
    SPLITS,
    read_got10k_video,
    read_sequence_list,
    unzip_all,
)
from d2track.data.datasets.root import datasets_root
from d2track.utils.input_files import InputFileError


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="GOT-10k root with train/ val/ test/")
    parser.add_argument(
        "--splits", nargs="+", choices=SPLITS, help="splits to convert (default: those present)"
    )
    parser.add_argument("--unzip", nargs="+", default=[], help="official zips to extract first")
    parser.add_argument("--output-root", default=datasets_root(), help="datasets root")
    return parser.parse_args(argv)


def convert(input_root, splits, output_root):
    """Write the given splits; returns ``{split: summary}``."""
    summaries = {}
    for split in splits:
        split_dir = os.path.join(input_root, split)
        names = read_sequence_list(split_dir)
        videos = (read_got10k_video(split_dir, n, split) for n in names)
        path = split_json_path(output_root, f"got10k_{split}")
        summaries[split] = write_sot_json(videos, path, f"got10k_{split}", total=len(names))
    return summaries


def main(argv=None):
    args = parse_args(argv)
    try:
        unzip_all(args.unzip, args.input)
        splits = args.splits or [s for s in SPLITS if os.path.isdir(os.path.join(args.input, s))]
        if not splits:
            raise InputFileError(args.input, "no train/, val/ or test/ folder")
        return convert(args.input, splits, args.output_root)
    except InputFileError as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
