"""Convert YouTube-VIS to CocoVID: ``youtube_vis_<Y>/annotations/youtube_vis_<Y>_<split>.json``.

Usage::

    python datasets/prepare_youtube_vis.py --input datasets/youtube_vis_2019 --version 2019 \
        [--splits train valid test] [--output-root datasets]

``--input`` is the official layout: ``<split>/JPEGImages/<video>/<frame>.jpg`` with
``<split>.json`` (2019) or ``<split>/instances.json`` (2021); see
``d2track/data/converters/youtube_vis.py``.
"""

import argparse
import os
import sys

from d2track.data.converters.youtube_vis import SPLITS, convert_split, official_json_path
from d2track.data.datasets.builtin import BENCHMARK_SPLITS
from d2track.data.datasets.root import datasets_root
from d2track.utils.input_files import InputFileError, require_dir, require_file


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="YouTube-VIS folder (official layout)")
    parser.add_argument("--version", required=True, choices=("2019", "2021"))
    parser.add_argument("--splits", nargs="+", default=list(SPLITS), choices=SPLITS)
    parser.add_argument("--output-root", default=datasets_root(), help="datasets root")
    return parser.parse_args(argv)


def convert(input_root, version, output_root, splits=SPLITS):
    """Write the json of each split; returns ``{split: summary}``."""
    require_dir(input_root, f"YouTube-VIS {version} folder")
    for split in splits:  # fail before writing anything when a requested split is missing
        require_file(official_json_path(input_root, version, split), "YouTube-VIS json")
    summaries = {}
    for split in splits:
        entry = BENCHMARK_SPLITS[f"ytvis_{version}_{split}"]
        json_path = os.path.join(output_root, entry.json_file)
        summaries[split] = convert_split(input_root, version, split, json_path)
        image_root = os.path.join(output_root, entry.image_root)
        if not os.path.isdir(image_root):
            print(f"note: link {input_root}/{split} to {os.path.dirname(image_root)} to load it")
    return summaries


def main(argv=None):
    args = parse_args(argv)
    try:
        return convert(args.input, args.version, args.output_root, args.splits)
    except InputFileError as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
