"""Convert OTB100 (OTB-2015) to CocoVID: ``otb100/annotations/otb100_test.json``.

Usage::

    python datasets/prepare_otb100.py --input datasets/otb100/data [--output-root datasets]
        [--download [--base-url URL]]
"""

import argparse
import sys

from d2track.data.converters.sot import split_json_path, write_sot_json
from d2track.data.converters.sot_download import OTB100_BASE_URL, download_otb100
from d2track.data.converters.sot_otb import find_sequences, read_otb_videos
from d2track.data.datasets.root import datasets_root
from d2track.utils.input_files import InputFileError


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="folder of the <Seq>/ folders")
    parser.add_argument("--output-root", default=datasets_root(), help="datasets root")
    parser.add_argument("--download", action="store_true", help="first download into --input")
    parser.add_argument(
        "--base-url", default=OTB100_BASE_URL, help="download server (with --download)"
    )
    return parser.parse_args(argv)


def convert(input_root, output_root):
    """Write the test split; returns its summary."""
    sequences = find_sequences(input_root)
    videos = (v for seq in sequences for v in read_otb_videos(input_root, seq))
    path = split_json_path(output_root, "otb100_test")
    return write_sot_json(videos, path, "otb100_test")


def main(argv=None):
    args = parse_args(argv)
    try:
        if args.download:
            download_otb100(args.input, args.base_url)
        return convert(args.input, args.output_root)
    except (InputFileError, RuntimeError) as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
