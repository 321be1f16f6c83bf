"""DanceTrack to CocoVID, for ``datasets/prepare_dancetrack.py``.

Input: the official layout (github.com/DanceTrack/DanceTrack)
``<root>/{train,val,test}/dancetrackXXXX/{seqinfo.ini, img1/00000001.jpg, gt/gt.txt}``: MOTChallenge
files (:mod:`.mot`) with 8-digit frame names, ``gt.txt`` (train and val only) rows
``frame, id, x, y, w, h, 1, 1, 1`` (one class, every box considered and visible), no public
detections. Each split converts whole (no half splits) to the CocoVID json of :mod:`.mot`:
videos with ``fps``, ``width``, ``height``, ``length``, ``mot_seq_length``; images named
``dancetrackXXXX/img1/00000001.jpg`` with ``mot_frame_id``; annotations with ``instance_id``
(unique in the json), ``mot_instance_id``, ``mot_conf``, ``mot_class_id``, ``visibility``.
"""

import os

from d2track.utils.input_files import require_dir

from . import mot

__all__ = ["SPLITS", "convert_split"]

SPLITS = ("train", "val", "test")


def convert_split(input_root, split, *, sequences=None):
    """Convert one split.

    Args:
        input_root (str): the DanceTrack root holding ``train/``, ``val/`` and ``test/``.
        split (str): one of :data:`SPLITS`.
        sequences (callable or None): wraps the sequence names (e.g. a progress bar).

    Returns:
        CocoVidWriter: the json builder.
    """
    if split not in SPLITS:
        raise ValueError(f"DanceTrack split must be one of {SPLITS}, got {split!r}")
    folder = require_dir(os.path.join(input_root, split), f"DanceTrack {split} folder")
    writer, _ = mot.convert_split(
        input_root, "DanceTrack", split, folder=folder, sequences=sequences
    )
    return writer
