"""Fixtures of the MOTChallenge-format converter tests."""

import cv2
import numpy as np
import pytest

SEQINFO = (
    "[Sequence]\nname={}\nimDir=img1\nframeRate=20\nseqLength={}\n"
    "imWidth=8\nimHeight=6\nimExt=.jpg\n"
)


def _make_sequence(folder, name, length, gt=None, digits=8):
    """An official-layout sequence: seqinfo.ini, tiny 8x6 jpgs numbered with ``digits`` digits
    and, unless ``gt`` is None, ``gt/gt.txt`` with those lines."""
    seq = folder / name
    (seq / "img1").mkdir(parents=True)
    (seq / "seqinfo.ini").write_text(SEQINFO.format(name, length))
    for k in range(1, length + 1):
        cv2.imwrite(str(seq / "img1" / f"{k:0{digits}d}.jpg"), np.zeros((6, 8, 3), np.uint8))
    if gt is not None:
        (seq / "gt").mkdir()
        (seq / "gt" / "gt.txt").write_text("".join(line + "\n" for line in gt))
    return seq


@pytest.fixture
def make_sequence():
    """``make_sequence(folder, name, length, gt=None, digits=8)``: a MOTChallenge-format
    sequence folder (DanceTrack's 8-digit frame names by default)."""
    return _make_sequence
