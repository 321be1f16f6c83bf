"""Template/search pairs for single object tracking, following MMTracking 0.x ``PairSampling``.

See :mod:`d2track.data.sampling` for the rules and the deliberate differences from MMTracking.
"""

from typing import List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from ._common import (
    check_int,
    check_probability,
    check_rng,
    normalize_frame_range,
    pick,
    valid_frames,
)

__all__ = ["SOTPair", "sample_sot_pair"]


class SOTPair(NamedTuple):
    """A sampled pair. ``search_id`` indexes the *other* video when ``is_positive`` is False."""

    template_id: int
    search_id: int
    is_positive: bool


def _positive_candidates(
    template_id: int, frames: List[int], offsets: Tuple[int, int], filter_template_img: bool
) -> List[int]:
    """The (valid) frames within ``[template + a, template + b]``, both ends included."""
    first, last = template_id + offsets[0], template_id + offsets[1]
    return [
        f for f in frames if first <= f <= last and not (filter_template_img and f == template_id)
    ]


def sample_sot_pair(
    video_length: int,
    *,
    other_video_length: int,
    frame_range: Union[int, Sequence[int]] = 5,
    pos_prob: float = 0.8,
    filter_template_img: bool = False,
    valid: Optional[Sequence[bool]] = None,
    other_valid: Optional[Sequence[bool]] = None,
    rng: np.random.Generator,
) -> Optional[SOTPair]:
    """Sample a template frame and a search frame for a Siamese tracker (SiamRPN++ style).

    Contract (as MMTracking, which always draws two videos first, possibly the same one): the
    caller picks the template's video and an ``other`` video, then loads the template from the
    first and the search frame from the first if ``is_positive`` else from the other.

    * The template is uniform over the (valid) frames of the video.
    * With probability ``pos_prob`` the pair is positive: the search frame is uniform over the
      (valid) frames of ``[template + a, template + b]`` (clipped; the template excluded if
      ``filter_template_img``). A one-frame video (image dataset) pairs frame 0 with itself.
    * Otherwise it is negative: the search frame is uniform over the (valid) frames of the other
      video.

    Args:
        video_length (int): frames in the template's video (1 for an image dataset).
        other_video_length (int): frames in the video of a negative search frame.
        frame_range (int or [a, b]): offsets of positive search frames relative to the template.
        pos_prob (float): probability of a positive pair, in ``[0, 1]``.
        filter_template_img (bool): never use the template itself as a positive search frame.
        valid (Sequence[bool], optional): per-frame mask of the template's video (e.g. target
            visible and box non-empty); None means every frame.
        other_valid (Sequence[bool], optional): the same for the other video.
        rng (numpy.random.Generator): the only source of randomness.

    Returns:
        SOTPair or None: None when no valid pair exists (no valid template, or no valid search
        candidate); resample with other videos, as MMTracking's dataset does on a None pipeline.
    """
    offsets = normalize_frame_range(frame_range)
    pos_prob = check_probability("pos_prob", pos_prob)
    check_rng(rng, "sample_sot_pair")
    frames = valid_frames(check_int("video_length", video_length, 1), valid, "valid")
    other_length = check_int("other_video_length", other_video_length, 1)
    others = valid_frames(other_length, other_valid, "other_valid")
    if not frames:
        return None
    template_id = pick(rng, frames)
    if rng.random() < pos_prob:
        if video_length == 1:
            return SOTPair(template_id, template_id, True)
        candidates = _positive_candidates(template_id, frames, offsets, filter_template_img)
        return SOTPair(template_id, pick(rng, candidates), True) if candidates else None
    return SOTPair(template_id, pick(rng, others), False) if others else None
