"""Convert TrackingNet to CocoVID: ``trackingnet/annotations/trackingnet_{train,test}.json``.

Usage::

    python datasets/prepare_trackingnet.py --input datasets/trackingnet [--unzip] \
        [--splits train test] [--output-root datasets]
"""

import argparse
import sys

from d2track.data.converters.sot import split_json_path, write_sot_json
from d2track.data.converters.sot_trackingnet import (
    find_chunks,
    find_videos,
    read_trackingnet_video,
    unzip_chunk,
)
from d2track.data.datasets.root import datasets_root
from d2track.utils.input_files import InputFileError


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="root with TRAIN_<k>/ and TEST/ chunks")
    parser.add_argument(
        "--splits", nargs="+", choices=("train", "test"), default=None, help="default: present"
    )
    parser.add_argument(
        "--unzip", action="store_true", help="extract <chunk>/zips/<video>.zip into frames/ first"
    )
    parser.add_argument("--output-root", default=datasets_root(), help="datasets root")
    return parser.parse_args(argv)


def convert_split(input_root, split, chunks, output_root):
    """Write one split from its chunks; returns its summary."""
    pairs = [(c, v) for c in chunks for v in find_videos(input_root, c)]
    videos = (read_trackingnet_video(input_root, c, v) for c, v in pairs)
    path = split_json_path(output_root, f"trackingnet_{split}")
    return write_sot_json(videos, path, f"trackingnet_{split}", total=len(pairs))


def chunks_by_split(input_root, splits):
    """``{split: [chunk, ...]}`` for the requested splits (each must exist) or those present."""
    chunks = {s: find_chunks(input_root, s) for s in splits or ("train", "test")}
    for split, names in chunks.items():
        if splits and not names:
            raise InputFileError(input_root, f"no chunk folder for split {split}")
    chunks = {s: c for s, c in chunks.items() if c}
    if not chunks:
        raise InputFileError(input_root, "no TRAIN_<k>/ or TEST/ folder")
    return chunks


def main(argv=None):
    args = parse_args(argv)
    try:
        chunks = chunks_by_split(args.input, args.splits)
        for chunk in [c for names in chunks.values() for c in names] if args.unzip else []:
            unzip_chunk(args.input, chunk)
        return {s: convert_split(args.input, s, c, args.output_root) for s, c in chunks.items()}
    except InputFileError as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
