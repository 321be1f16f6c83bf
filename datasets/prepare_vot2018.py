"""Convert VOT2018 (short-term) to CocoVID: ``vot2018/annotations/vot2018_test.json``.

Usage::

    python datasets/prepare_vot2018.py --input datasets/vot2018/data [--output-root datasets]
        [--download [--base-url URL]]
"""

import argparse
import sys

from d2track.data.converters.sot import split_json_path, write_sot_json
from d2track.data.converters.sot_download import VOT2018_BASE_URL, download_vot2018
from d2track.data.converters.sot_vot import find_sequences, read_vot_video
from d2track.data.datasets.root import datasets_root
from d2track.utils.input_files import InputFileError


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="folder of list.txt and the <seq>/ folders")
    parser.add_argument("--output-root", default=datasets_root(), help="datasets root")
    parser.add_argument("--download", action="store_true", help="first download into --input")
    parser.add_argument(
        "--base-url", default=VOT2018_BASE_URL, help="download server (with --download)"
    )
    return parser.parse_args(argv)


def convert(input_root, output_root):
    """Write the test split; returns its summary."""
    names = find_sequences(input_root)
    videos = (read_vot_video(input_root, n) for n in names)
    path = split_json_path(output_root, "vot2018_test")
    return write_sot_json(videos, path, "vot2018_test", total=len(names))


def main(argv=None):
    args = parse_args(argv)
    try:
        if args.download:
            download_vot2018(args.input, args.base_url)
        return convert(args.input, args.output_root)
    except (InputFileError, RuntimeError) as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
