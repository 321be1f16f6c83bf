"""Key frames and reference frames of a video, following MMTracking 0.x ``CocoVideoDataset``.

See :mod:`d2track.data.sampling` for the rules and the deliberate differences from MMTracking.
"""

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np

from ._common import (
    check_frame,
    check_int,
    check_rng,
    choose,
    normalize_frame_range,
    window,
)

__all__ = ["REF_METHODS", "RefSampler", "sample_key_frames", "sample_ref_frames"]

TRAIN_METHODS = ("uniform", "bilateral_uniform")
TEST_METHODS = ("test_with_adaptive_stride", "test_with_fix_stride")
REF_METHODS = TRAIN_METHODS + TEST_METHODS


def sample_key_frames(video_length: int, *, interval: int = 1) -> List[int]:
    """Key frames of a video: every ``interval``-th frame from frame 0 (MMTracking's
    ``key_img_sampler=dict(interval=...)``).

    Returns:
        list[int]: ``[0, interval, 2 * interval, ...]`` below ``video_length``.
    """
    video_length = check_int("video_length", video_length, 1)
    return list(range(0, video_length, check_int("interval", interval, 1)))


def _check_method_args(method, num_ref_imgs, frame_range, stride) -> Tuple[int, Tuple[int, int]]:
    """Validate the sampler arguments; return the effective ``num_ref_imgs`` and offset pair.

    ``num_ref_imgs`` None is 1 for the training methods and ``b - a`` for the test methods.
    """
    if method not in REF_METHODS:
        raise ValueError(f"Unknown ref sampling method {method!r}; valid methods: {REF_METHODS}")
    offsets = normalize_frame_range(frame_range)
    check_int("stride", stride, 1)
    if num_ref_imgs is not None:
        num_ref_imgs = check_int("num_ref_imgs", num_ref_imgs, 1)
    if method in TEST_METHODS:
        derived = offsets[1] - offsets[0]
        if num_ref_imgs not in (None, derived):
            # MMTracking warns and overrides it; a different value is a config mistake here.
            raise ValueError(
                f"{method}: num_ref_imgs is frame_range[1] - frame_range[0] = {derived}, got "
                f"num_ref_imgs={num_ref_imgs} (leave it out)"
            )
        return derived, offsets
    num_ref_imgs = 1 if num_ref_imgs is None else num_ref_imgs
    if method == "bilateral_uniform" and num_ref_imgs % 2:
        raise ValueError(f"bilateral_uniform needs an even num_ref_imgs, got {num_ref_imgs}")
    return num_ref_imgs, offsets


def _uniform(rng, frame_id, video_length, num, offsets, filter_key_img) -> List[int]:
    first, last = window(frame_id, video_length, offsets)
    candidates = [f for f in range(first, last + 1) if not (filter_key_img and f == frame_id)]
    return choose(rng, candidates, num)


def _bilateral_uniform(rng, frame_id, video_length, num, offsets, filter_key_img) -> List[int]:
    # Half the refs from [first, key], half from [key, last]; without filter_key_img the key is a
    # candidate on both sides, so it may come back twice.
    first, last = window(frame_id, video_length, offsets)
    refs = []
    for side in (range(first, frame_id + 1), range(frame_id, last + 1)):
        candidates = [f for f in side if not (filter_key_img and f == frame_id)]
        refs += choose(rng, candidates, num // 2)
    return refs


def _adaptive_stride(frame_id, video_length, num, offsets, stride) -> List[int]:
    if frame_id != 0 or num == 0:
        return []
    # Python's round() (half to even), as MMTracking; num == 1 would divide by zero there.
    step = (video_length - 1) / (num - 1) if num > 1 else 0.0
    return [round(i * step) for i in range(num)]


def _fix_stride(frame_id, video_length, num, offsets, stride) -> List[int]:
    last = video_length - 1
    if frame_id == 0:
        # The whole initial memory: |a| copies of frame 0 before the key, the key (frame 0)
        # itself, then b frames `stride` apart.
        before = [0] * (1 - offsets[0])
        return before + [min(i * stride, last) for i in range(1, offsets[1] + 1)]
    if frame_id % stride == 0:
        return [min(frame_id + offsets[1] * stride, last)]
    return []


_TRAIN_SAMPLERS = {"uniform": _uniform, "bilateral_uniform": _bilateral_uniform}
_TEST_SAMPLERS = {
    "test_with_adaptive_stride": _adaptive_stride,
    "test_with_fix_stride": _fix_stride,
}


def sample_ref_frames(
    frame_id: int,
    video_length: int,
    *,
    method: str = "uniform",
    num_ref_imgs: Optional[int] = None,
    frame_range: Union[int, Sequence[int]] = 10,
    filter_key_img: bool = True,
    stride: int = 1,
    rng: Optional[np.random.Generator] = None,
) -> List[int]:
    """Reference frame ids for key frame ``frame_id`` (MMTracking's ``ref_img_sampling``).

    Training methods draw from the clipped window ``[frame_id + a, frame_id + b]`` with ``rng``:

    * ``uniform``: ``num_ref_imgs`` distinct frames of the window (the key excluded if
      ``filter_key_img``). A window with fewer candidates gives fewer refs, as in MMTracking.
    * ``bilateral_uniform``: ``num_ref_imgs // 2`` from ``[frame_id + a, frame_id]`` and as many
      from ``[frame_id, frame_id + b]``; each side may run short on its own.
    * A one-frame video (an image of DET, COCO, CrowdHuman) or ``frame_range`` ``[0, 0]`` gives
      ``num_ref_imgs`` copies of the key.

    Test methods are deterministic (``rng`` unused) and stateless: a test-time model keeps the
    features of the returned frames in a memory and resets it at frame 0.

    * ``test_with_adaptive_stride``: at frame 0, ``b - a`` frames evenly spread over the whole video
      (``round(i * (video_length - 1) / (b - a - 1))``); ``[]`` at every later frame (reuse them).
    * ``test_with_fix_stride``: at frame 0 the initial memory of ``b - a + 1`` ids, ``[0] * (|a| +
      1) + [stride, 2 * stride, ..., b * stride]``, with the key at index ``|a|``; at a later frame
      that is a multiple of ``stride``, one new id ``frame_id + b * stride`` to push while dropping
      the oldest entry (the key stays at index ``|a|``); ``[]`` otherwise (reuse the memory).
      Ids past the end are clipped to the last frame.

    For the test methods ``num_ref_imgs`` is always ``b - a``: leave it out (or state that value).

    Args:
        frame_id (int): 0-based key frame id.
        video_length (int): number of frames in the video (1 for an image dataset).
        method (str): one of :data:`REF_METHODS`.
        num_ref_imgs (int or None): references per key frame of the training methods (None: 1,
            MMTracking's default); for the test methods None or ``b - a``.
        frame_range (int or [a, b]): ``r`` means ``[-r, r]``; offsets relative to the key.
        filter_key_img (bool): exclude the key from the training candidates.
        stride (int): frame step of ``test_with_fix_stride``.
        rng (numpy.random.Generator): the only source of randomness; required for training methods.

    Returns:
        list[int]: reference frame ids, sorted ascending, possibly repeated.

    Raises:
        ValueError: on a bad argument, e.g. a test method's ``num_ref_imgs`` other than ``b - a``.
    """
    num, offsets = _check_method_args(method, num_ref_imgs, frame_range, stride)
    frame_id, video_length = check_frame(frame_id, video_length)
    if method in TEST_METHODS:
        return _TEST_SAMPLERS[method](frame_id, video_length, num, offsets, stride)
    check_rng(rng, f"method {method!r}")
    if video_length == 1 or offsets == (0, 0):
        return [frame_id] * num
    refs = _TRAIN_SAMPLERS[method](rng, frame_id, video_length, num, offsets, filter_key_img)
    return sorted(refs)


@dataclass(frozen=True)
class RefSampler:
    """A reference-frame sampling config, validated at construction, for LazyConfig.

    Example::

        sampler = L(RefSampler)(method="bilateral_uniform", num_ref_imgs=2, frame_range=9,
                                filter_key_img=False)
        refs = instantiate(sampler)(frame_id, video_length, rng)

    Attributes are the keyword arguments of :func:`sample_ref_frames` (same defaults as
    MMTracking's ``ref_img_sampler``); a sequence ``frame_range`` is stored as a tuple and
    ``num_ref_imgs`` as its effective value (1 for a training method, ``b - a`` for a test method,
    which is the only value a test method accepts).
    """

    method: str = "uniform"
    num_ref_imgs: Optional[int] = None
    frame_range: Union[int, Tuple[int, int]] = 10
    filter_key_img: bool = True
    stride: int = 1

    def __post_init__(self):
        if not isinstance(self.frame_range, int):
            object.__setattr__(self, "frame_range", normalize_frame_range(self.frame_range))
        num, _ = _check_method_args(self.method, self.num_ref_imgs, self.frame_range, self.stride)
        object.__setattr__(self, "num_ref_imgs", num)

    @property
    def num_left_ref_imgs(self) -> int:
        """``|a|``: the key's index in a ``test_with_fix_stride`` memory."""
        return -normalize_frame_range(self.frame_range)[0]

    def __call__(
        self, frame_id: int, video_length: int, rng: Optional[np.random.Generator] = None
    ) -> List[int]:
        """Reference frame ids for ``frame_id``; see :func:`sample_ref_frames`."""
        return sample_ref_frames(
            frame_id,
            video_length,
            method=self.method,
            num_ref_imgs=self.num_ref_imgs,
            frame_range=self.frame_range,
            filter_key_img=self.filter_key_img,
            stride=self.stride,
            rng=rng,
        )
