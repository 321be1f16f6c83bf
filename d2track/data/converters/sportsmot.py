"""SportsMOT to CocoVID, for ``datasets/prepare_sportsmot.py``.

Input: the official layout (github.com/MCG-NJU/SportsMOT)
``<root>/dataset/{train,val,test}/<SEQ>/{seqinfo.ini, img1/000001.jpg, gt/gt.txt}`` and
``<root>/splits_txt/{train,val,test,basketball,volleyball,football}.txt`` (one sequence name a
line): MOTChallenge files (:mod:`.mot`), ``gt.txt`` (train and val only) rows
``frame, id, x, y, w, h, 1, 1, 1`` with ids from 0, no public detections. Each split converts
whole to the CocoVID json of :mod:`.mot` (as :mod:`.dancetrack`); :func:`convert_split` with
``sport`` keeps the split's sequences that ``splits_txt/<sport>.txt`` lists.
"""

import os

from d2track.utils.input_files import InputFileError, read_lines, require_dir

from . import mot

__all__ = ["SPLITS", "SPORTS", "read_sport", "convert_split"]

SPLITS = ("train", "val", "test")
SPORTS = ("basketball", "volleyball", "football")


def read_sport(input_root, sport):
    """The sequence names that ``<input_root>/splits_txt/<sport>.txt`` lists (a set)."""
    if sport not in SPORTS:
        raise ValueError(f"SportsMOT sport must be one of {SPORTS}, got {sport!r}")
    path = os.path.join(input_root, "splits_txt", f"{sport}.txt")
    return {line for _, line in read_lines(path)}


def convert_split(input_root, split, *, sport=None, sequences=None):
    """Convert one split, or its sequences of one sport.

    Args:
        input_root (str): the SportsMOT root holding ``dataset/`` and ``splits_txt/``.
        split (str): one of :data:`SPLITS`.
        sport (str or None): one of :data:`SPORTS`: only its sequences.
        sequences (callable or None): wraps the sequence names (e.g. a progress bar).

    Returns:
        CocoVidWriter: the json builder.
    """
    if split not in SPLITS:
        raise ValueError(f"SportsMOT split must be one of {SPLITS}, got {split!r}")
    folder = require_dir(os.path.join(input_root, "dataset", split), f"SportsMOT {split} folder")
    names = mot.list_sequences(input_root, split, folder)
    if sport is not None:
        listed = read_sport(input_root, sport)
        names = [name for name in names if name in listed]
        if not names:
            path = os.path.join(input_root, "splits_txt", f"{sport}.txt")
            raise InputFileError(path, f"lists none of the sequences of {folder}")
    writer, _ = mot.convert_split(
        input_root, "SportsMOT", split, folder=folder, names=names, sequences=sequences
    )
    return writer
