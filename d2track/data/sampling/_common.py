"""Argument checks and the random primitives shared by the samplers (internal).

Randomness only ever comes from an explicit :class:`numpy.random.Generator`; no sampler touches
Python's or NumPy's global RNG, so the same seed always gives the same frame ids.
"""

from collections.abc import Sequence
from numbers import Integral, Real
from typing import List, Optional, Tuple

import numpy as np

__all__ = ["normalize_frame_range"]


def _is_int(value) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def normalize_frame_range(frame_range) -> Tuple[int, int]:
    """Turn MMTracking's ``frame_range`` into an inclusive offset pair ``(a, b)``, ``a <= 0 <= b``.

    Args:
        frame_range (int or Sequence[int]): ``r >= 0`` means ``(-r, r)``; ``[a, b]`` (list, tuple
            or OmegaConf ``ListConfig``) with ``a <= 0 <= b`` is taken as is.

    Returns:
        tuple[int, int]: offsets, relative to the key frame, of the first and last candidate.
    """
    if _is_int(frame_range):
        if frame_range < 0:
            raise ValueError(f"frame_range must be >= 0 when an int, got {frame_range}")
        return -int(frame_range), int(frame_range)
    if not isinstance(frame_range, Sequence) or isinstance(frame_range, str):
        raise TypeError(f"frame_range must be an int or [a, b], got {type(frame_range).__name__}")
    if len(frame_range) != 2 or not all(_is_int(v) for v in frame_range):
        raise ValueError(f"frame_range must be two ints [a, b], got {list(frame_range)}")
    first, last = int(frame_range[0]), int(frame_range[1])
    if first > 0 or last < 0:
        raise ValueError(f"frame_range [a, b] needs a <= 0 <= b, got [{first}, {last}]")
    return first, last


def check_int(name: str, value, minimum: int) -> int:
    if not _is_int(value) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def check_probability(name: str, value) -> float:
    if not isinstance(value, Real) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {value!r}")
    return float(value)


def check_frame(frame_id, video_length) -> Tuple[int, int]:
    """Validate a 0-based ``frame_id`` inside a video of ``video_length`` frames."""
    video_length = check_int("video_length", video_length, 1)
    if not _is_int(frame_id) or not 0 <= frame_id < video_length:
        raise ValueError(f"frame_id must be in [0, {video_length - 1}], got {frame_id!r}")
    return int(frame_id), video_length


def check_rng(rng, what: str) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"{what} draws random frames and needs rng=numpy.random.Generator "
            f"(e.g. numpy.random.default_rng(seed)), got {type(rng).__name__}"
        )
    return rng


def window(frame_id: int, video_length: int, frame_range: Tuple[int, int]) -> Tuple[int, int]:
    """Inclusive ``[first, last]`` frame ids of ``frame_id + frame_range``, clipped to the video."""
    return max(0, frame_id + frame_range[0]), min(frame_id + frame_range[1], video_length - 1)


def choose(rng: np.random.Generator, candidates: List[int], num: int) -> List[int]:
    """A uniformly random subset of ``min(num, len(candidates))`` candidates, no repeats.

    The order is an argsort of i.i.d. uniforms: it only relies on ``Generator.random``, whose
    stream is the most stable across NumPy releases (pinned test indices depend on it).
    """
    order = np.argsort(rng.random(len(candidates)), kind="stable")[:num]
    return [candidates[i] for i in order]


def pick(rng: np.random.Generator, candidates: List[int]) -> int:
    """One uniformly random element of a non-empty list."""
    return candidates[int(rng.integers(len(candidates)))]


def valid_frames(video_length: int, valid: Optional[Sequence], name: str) -> List[int]:
    """Frame ids of a video whose entry in the per-frame ``valid`` mask is true (all if None)."""
    if valid is None:
        return list(range(video_length))
    mask = np.asarray(valid, dtype=bool)
    if mask.shape != (video_length,):
        raise ValueError(f"{name} must have one entry per frame ({video_length}), got {mask.shape}")
    return np.flatnonzero(mask).tolist()
