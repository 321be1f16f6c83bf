"""Boxes given on a tool's command line (``--init-box x,y,w,h`` of the SOT demo and benchmark)."""

import argparse

import numpy as np

__all__ = ["parse_xywh_box", "valid_xywh_box"]


def valid_xywh_box(box):
    """Whether ``box`` is a (4,) finite ``x, y, w, h`` with ``w`` and ``h`` > 0."""
    box = np.asarray(box)
    return box.shape == (4,) and bool(np.isfinite(box).all()) and bool((box[2:] > 0).all())


def parse_xywh_box(text):
    """``"x,y,w,h"`` -> (4,) float64 ``x, y, w, h`` in pixels.

    An argparse ``type``: a bad box is a usage error naming the text.

    Raises:
        argparse.ArgumentTypeError: not 4 comma-separated numbers with ``w`` and ``h`` > 0.
    """
    try:
        box = np.array([float(v) for v in text.split(",")], dtype=np.float64)
    except ValueError:
        box = np.zeros(0)
    if not valid_xywh_box(box):
        raise argparse.ArgumentTypeError(
            f"bad box {text!r}: expected x,y,w,h (4 comma-separated numbers, w and h > 0)"
        )
    return box
