"""Convert LaSOT to CocoVID: ``lasot/annotations/lasot_{train,test}.json``.

Usage::

    python datasets/prepare_lasot.py --input datasets/lasot/LaSOTBenchmark \
        [--testing-set testing_set.txt] [--output-root datasets]
"""

import argparse
import os
import sys

from d2track.data.converters.sot import split_json_path, write_sot_json
from d2track.data.converters.sot_lasot import (
    TEST_SEQUENCES,
    find_sequences,
    read_lasot_video,
    read_testing_set,
)
from d2track.data.datasets.root import datasets_root
from d2track.utils.input_files import InputFileError


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="LaSOTBenchmark folder (<class>/<seq>/)")
    parser.add_argument(
        "--testing-set",
        help="file of test sequence names (default: <input>/testing_set.txt if present, else the "
        "built-in Protocol II list)",
    )
    parser.add_argument("--output-root", default=datasets_root(), help="datasets root")
    return parser.parse_args(argv)


def select_test_names(sequences, testing_set, input_root):
    """Test sequence names: all those of ``testing_set`` (a file) must be present; from the
    built-in list, those not downloaded (LaSOT ships per class) are left out with a warning."""
    if testing_set is None:
        names = [n for n in TEST_SEQUENCES if n in sequences]
        if len(names) < len(TEST_SEQUENCES):
            print(
                f"warning: {len(TEST_SEQUENCES) - len(names)} of the 280 test sequences are "
                f"not under {input_root}; lasot_test is incomplete"
            )
        return names
    names = read_testing_set(testing_set)
    missing = [n for n in names if n not in sequences]
    if missing:
        raise InputFileError(testing_set, f"sequences not under {input_root}: {missing[:5]}")
    return names


def convert(input_root, testing_set, output_root):
    """Write both splits; returns ``{split: summary}``."""
    sequences = find_sequences(input_root)
    test_names = select_test_names(sequences, testing_set, input_root)
    splits = {"test": test_names, "train": sorted(set(sequences) - set(test_names))}
    summaries = {}
    for split, names in splits.items():
        videos = (read_lasot_video(input_root, sequences[n], n) for n in names)
        path = split_json_path(output_root, f"lasot_{split}")
        summaries[split] = write_sot_json(videos, path, f"lasot_{split}", total=len(names))
    return summaries


def main(argv=None):
    args = parse_args(argv)
    testing_set = args.testing_set or os.path.join(args.input, "testing_set.txt")
    if args.testing_set is None and not os.path.isfile(testing_set):
        testing_set = None
    try:
        return convert(args.input, testing_set, args.output_root)
    except InputFileError as e:
        sys.exit(f"error: {e}")


if __name__ == "__main__":
    main()
