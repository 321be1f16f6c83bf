"""Convert UAV123 to CocoVID: ``uav123/annotations/uav123_test.json``.

Usage::

    python datasets/prepare_uav123.py --input datasets/uav123 [--fragments table.txt] \
        [--output-root datasets]
"""

import argparse
import sys

from d2track.data.converters.sot import split_json_path, write_sot_json
from d2track.data.converters.sot_uav import (
    FRAGMENTS,
    find_sequences,
    read_fragments,
    read_uav_video,
)
from d2track.data.datasets.root import datasets_root
from d2track.utils.input_files import InputFileError


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="UAV123 root with data_seq/ and anno/")
    parser.add_argument(
        "--fragments",
        help="fragment table '<fragment> <folder> <start> <end>' per line (default: built in)",
    )
    parser.add_argument("--output-root", default=datasets_root(), help="datasets root")
    return parser.parse_args(argv)


def convert(input_root, fragments, output_root):
    """Write the test split; returns its summary."""
    names = find_sequences(input_root)
    videos = (read_uav_video(input_root, n, fragments) for n in names)
    path = split_json_path(output_root, "uav123_test")
    return write_sot_json(videos, path, "uav123_test", total=len(names))


def main(argv=None):
    args = parse_args(argv)
    try:
        fragments = read_fragments(args.fragments) if args.fragments else FRAGMENTS
        return convert(args.input, fragments, args.output_root)
    except InputFileError as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
