"""Result zips for the GOT-10k and TrackingNet evaluation servers.

Layouts follow MMTracking 0.x ``GOT10kDataset.format_results`` and
``TrackingNetDataset.format_results`` (open-mmlab/mmtracking, ``mmtrack/datasets/``): GOT-10k
``<video>/<video>_001.txt`` and ``<video>/<video>_time.txt``, TrackingNet ``<video>.txt``.

Conventions: docs/evaluation.md#sot-ope
"""

import zipfile
from typing import Dict, Mapping, Optional

import numpy as np

from d2track.utils.file_io import atomic_open

__all__ = ["write_got10k_submission", "write_trackingnet_submission"]

_DEFAULT_TIME = 0.04  # seconds per frame, MMTracking's placeholder


def _check_name(name) -> str:
    if (
        not isinstance(name, str)
        or not name
        or name in (".", "..")
        or any(c in name for c in "/\\")
    ):
        raise ValueError(f"video name {name!r} is not a plain file name")
    return name


def _first_bad_row(values: np.ndarray) -> int:
    return int(np.flatnonzero(~np.isfinite(values).reshape(len(values), -1).all(axis=1))[0])


def _box_lines(name: str, boxes) -> str:
    arr = np.asarray(boxes, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 4 or len(arr) == 0:
        raise ValueError(
            f"video {name!r}: boxes must have shape (T, 4) with T > 0, got {arr.shape}"
        )
    if not np.isfinite(arr).all():
        raise ValueError(f"video {name!r}, frame {_first_bad_row(arr)}: non-finite box")
    return "".join(f"{x:.4f},{y:.4f},{w:.4f},{h:.4f}\n" for x, y, w, h in arr.tolist())


def _time_lines(name: str, times, length: int) -> str:
    arr = np.full(length, _DEFAULT_TIME) if times is None else np.asarray(times, np.float64)
    if arr.shape != (length,):
        raise ValueError(f"video {name!r}: times must have shape ({length},), got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"video {name!r}, frame {_first_bad_row(arr)}: non-finite time")
    return "".join(f"{t!r}\n" for t in arr.tolist())


def _write_zip(entries: Dict[str, str], zip_path: str) -> None:
    with atomic_open(zip_path, "wb") as f:
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for arcname in sorted(entries):
                zf.writestr(arcname, entries[arcname])


def write_got10k_submission(
    results: Mapping[str, np.ndarray],
    zip_path: str,
    *,
    times: Optional[Mapping[str, np.ndarray]] = None,
) -> None:
    """Write a GOT-10k server submission zip.

    Args:
        results: video name -> (T, 4) ``(x, y, w, h)`` boxes, one per frame.
        zip_path: destination ``.zip``.
        times: optional video name -> (T,) seconds per frame; 0.04 each when None.
    """
    if not results:
        raise ValueError("results is empty: no video to write")
    if times is not None and sorted(set(results) - set(times)):
        raise ValueError(f"times lacks videos {sorted(set(results) - set(times))}")
    entries = {}
    for name, boxes in results.items():
        _check_name(name)
        lines = _box_lines(name, boxes)
        entries[f"{name}/{name}_001.txt"] = lines
        length = lines.count("\n")
        entries[f"{name}/{name}_time.txt"] = _time_lines(
            name, None if times is None else times[name], length
        )
    _write_zip(entries, zip_path)


def write_trackingnet_submission(results: Mapping[str, np.ndarray], zip_path: str) -> None:
    """Write a TrackingNet server submission zip.

    Args:
        results: video name -> (T, 4) ``(x, y, w, h)`` boxes, one per frame.
        zip_path: destination ``.zip``.
    """
    if not results:
        raise ValueError("results is empty: no video to write")
    entries = {
        f"{_check_name(name)}.txt": _box_lines(name, boxes) for name, boxes in results.items()
    }
    _write_zip(entries, zip_path)
