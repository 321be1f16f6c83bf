"""Convert CrowdHuman to CocoVID: ``crowdhuman/annotations/crowdhuman_{train,val}.json``.

Usage::

    python datasets/prepare_crowdhuman.py --input datasets/crowdhuman [--output-root datasets]

``--input`` holds ``annotation_{train,val}.odgt`` and the images in ``train/Images``,
``val/Images`` (or one ``Images`` folder); see ``d2track/data/converters/crowdhuman.py``.
"""

import argparse
import os
import sys

from d2track.data.converters.crowdhuman import SPLITS, convert_split
from d2track.data.datasets.builtin import BENCHMARK_SPLITS
from d2track.data.datasets.root import datasets_root
from d2track.utils.input_files import InputFileError, require_dir, require_file


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="CrowdHuman folder (odgt files, images)")
    parser.add_argument("--output-root", default=datasets_root(), help="datasets root")
    parser.add_argument("--splits", nargs="+", default=list(SPLITS), choices=SPLITS)
    return parser.parse_args(argv)


def convert(input_root, output_root, splits=SPLITS):
    """Write the json of each split; returns ``{split: summary}``."""
    require_dir(input_root, "CrowdHuman folder")
    for split in splits:  # fail before writing anything when a requested split is missing
        require_file(os.path.join(input_root, f"annotation_{split}.odgt"), "CrowdHuman odgt file")
    summaries = {}
    for split in splits:
        entry = BENCHMARK_SPLITS[f"crowdhuman_{split}"]
        summaries[split] = convert_split(
            input_root, split, os.path.join(output_root, entry.json_file)
        )
        _check_image_root(os.path.join(output_root, entry.image_root), split)
    return summaries


def _check_image_root(image_root, split):
    # file_name is Images/<ID>.jpg under crowdhuman/<split>: say so if the images are elsewhere
    if not os.path.isdir(os.path.join(image_root, "Images")):
        print(
            f"note: {image_root}/Images does not exist; link the {split} images there "
            f"(ln -s /path/to/Images {image_root}/Images) before loading crowdhuman_{split}"
        )


def main(argv=None):
    args = parse_args(argv)
    try:
        return convert(args.input, args.output_root, args.splits)
    except InputFileError as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
