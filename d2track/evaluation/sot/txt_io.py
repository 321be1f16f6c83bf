"""Reading single-object-tracking text files: boxes, VOT results with codes, visibility flags.

Formats (one line per frame, fields separated by commas, tabs or spaces):

* boxes: ``x,y,w,h`` (4 values) or a VOT polygon ``x1,y1,...,x4,y4`` (8 values); ``nan`` is
  accepted (GOT-10k/LaSOT-style "no box") and kept as NaN.
* VOT results: a box or polygon, or one integer code: ``1`` initialisation, ``2`` failure,
  ``0`` skipped (the VOT toolkit's special values).
* visibility: one ``0``/``1`` per line, 1 = target visible.

Every error names the file and the line.
"""

import re

import numpy as np

from d2track.utils.input_files import InputFileError, read_lines

__all__ = ["read_boxes", "read_vot_results", "read_visibility"]

_SPLIT = re.compile(r"[,\s]+")


def _values(path, number, line):
    try:
        return [float(v) for v in _SPLIT.split(line.strip(", \t"))]
    except ValueError:
        raise InputFileError(path, f"non-numeric value in {line!r}", number) from None


def read_boxes(path, *, allow_polygons=True):
    """Read a box file.

    Returns:
        ndarray: (T, 4) xywh or, if the file holds polygons, (T, 8) float64.
    """
    rows = []
    for number, line in read_lines(path):
        values = _values(path, number, line)
        if len(values) != 4 and not (allow_polygons and len(values) == 8):
            expected = "4 (x,y,w,h) or 8 (polygon)" if allow_polygons else "4 (x,y,w,h)"
            raise InputFileError(path, f"expected {expected} values, got {len(values)}", number)
        if rows and len(values) != len(rows[0]):
            raise InputFileError(
                path, f"{len(values)} values after lines of {len(rows[0])}", number
            )
        rows.append(values)
    return np.asarray(rows, dtype=np.float64).reshape(-1, len(rows[0]) if rows else 4)


def read_vot_results(path):
    """Read per-frame VOT results.

    Returns:
        list[ndarray]: per frame a (1,) code array (``1``, ``2`` or ``0``) or a (4,)/(8,) region.
    """
    frames = []
    for number, line in read_lines(path):
        values = _values(path, number, line)
        if len(values) == 1:
            if values[0] not in (0.0, 1.0, 2.0):
                raise InputFileError(
                    path, f"code {values[0]:g} is not 1 (init), 2 (failure) or 0 (skipped)", number
                )
        elif len(values) not in (4, 8):
            raise InputFileError(path, f"expected a code, 4 or 8 values, got {len(values)}", number)
        frames.append(np.asarray(values, dtype=np.float64))
    return frames


def read_visibility(path):
    """Read a visibility file: (T,) bool, True where the target is visible."""
    flags = []
    for number, line in read_lines(path):
        if line not in ("0", "1"):
            raise InputFileError(path, f"expected 0 or 1, got {line!r}", number)
        flags.append(line == "1")
    return np.asarray(flags, dtype=bool)
