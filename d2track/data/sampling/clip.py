"""Fixed-length training clips for video instance segmentation (Mask2Former-VIS style).

See :mod:`d2track.data.sampling` for the rules.
"""

from typing import List, Optional, Sequence, Union

import numpy as np

from ._common import check_frame, check_int, check_rng, choose, normalize_frame_range, window

__all__ = ["sample_clip"]


def sample_clip(
    frame_id: Optional[int],
    video_length: int,
    *,
    num_frames: int,
    frame_range: Union[int, Sequence[int]],
    rng: np.random.Generator,
) -> List[int]:
    """A sorted clip of exactly ``num_frames`` frame ids around a key frame.

    The clip is the key plus ``num_frames - 1`` distinct frames drawn uniformly from the clipped
    window ``[key + a, key + b]`` without the key (MMTracking's ``uniform`` ref sampling with
    ``filter_key_img=True``, which its Mask2Former-VIS uses to build 2-frame clips). When the
    window holds too few frames (short video, key near an end) the missing ones are drawn with
    repeats from the whole window, key included, so a one-frame video gives copies of frame 0.

    Args:
        frame_id (int or None): the key frame; None draws it uniformly from the video.
        video_length (int): number of frames in the video.
        num_frames (int): clip length ``T >= 1``.
        frame_range (int or [a, b]): window offsets relative to the key; ``r`` means ``[-r, r]``.
        rng (numpy.random.Generator): the only source of randomness.

    Returns:
        list[int]: ``T`` frame ids in ascending order, unique whenever the window allows it.
    """
    check_rng(rng, "sample_clip")
    num_frames = check_int("num_frames", num_frames, 1)
    offsets = normalize_frame_range(frame_range)
    video_length = check_int("video_length", video_length, 1)
    if frame_id is None:
        frame_id = int(rng.integers(video_length))
    frame_id, video_length = check_frame(frame_id, video_length)
    first, last = window(frame_id, video_length, offsets)
    others = [f for f in range(first, last + 1) if f != frame_id]
    clip = [frame_id, *choose(rng, others, num_frames - 1)]
    clip += rng.integers(first, last + 1, size=num_frames - len(clip)).tolist()
    return sorted(clip)
