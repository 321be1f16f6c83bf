"""Frame sampling: the one pure, seeded module every mapper uses to pick frames of a video.

A frame is its 0-based ``frame_id`` in a video of ``video_length`` frames; an image of an image
dataset (ImageNet DET, COCO, CrowdHuman) is a one-frame video. Randomness only comes from an
explicit ``rng`` (:class:`numpy.random.Generator`): the same seed gives the same frame ids.

The semantics follow MMTracking 0.x (``CocoVideoDataset.key_img_sampling`` and
``ref_img_sampling``, ``PairSampling`` for SOT); the code is our own. Its rules:

* ``frame_range``: an int ``r >= 0`` is ``[-r, r]``; ``[a, b]`` needs ints ``a <= 0 <= b``. The
  window ``[key + a, key + b]`` is clipped to ``[0, video_length - 1]``.
* ``uniform``: ``num_ref_imgs`` distinct frames of the window, the key excluded when
  ``filter_key_img``; fewer candidates give fewer refs (no repeats, no padding).
* ``bilateral_uniform``: ``num_ref_imgs // 2`` (even ``num_ref_imgs``) from each side
  ``[key + a, key]`` and ``[key, key + b]``, each side filtered and clipped on its own.
* ``test_with_adaptive_stride``: at frame 0, ``b - a`` frames spread evenly over the video with
  Python's ``round`` (half to even); later frames reuse them.
* ``test_with_fix_stride``: at frame 0 a memory ``[0] * (|a| + 1) + [s, 2s, ..., b*s]`` (key at
  index ``|a|``); every ``stride``-th frame then adds ``key + b*s``; ids clip to the last frame.
* For the test methods ``num_ref_imgs`` is ``b - a``: leave it out (None; the training methods'
  None is MMTracking's default 1).
* References come back sorted by frame id, as MMTracking sorts them.
* SOT: uniform template; positive search within the window with probability ``pos_prob``,
  negative search uniform in another video; one-frame videos pair frame 0 with itself.

Deliberate differences from MMTracking 0.x:

* A one-frame *video* is treated like an image: training refs are copies of the key. MMTracking
  only copies for image datasets (``load_as_video=False``) and would return no refs (with
  ``filter_key_img``) for a genuine one-frame video.
* A test method's ``num_ref_imgs`` other than ``b - a`` is an error; MMTracking warns and
  overrides it (from its second call on: it mutates its config). ``test_with_adaptive_stride``
  with a single ref returns frame 0 where MMTracking divides by zero. The test methods never take
  the image/``[0, 0]`` copy shortcut (their own rules already give copies of frame 0).
* SOT positive windows include ``template + b``: 0.x ``PairSampling`` stops one frame short (its
  upper bound is exclusive, unlike its own ``frame_range`` docs, ``ref_img_sampling`` and the
  older ``SOTTrainDataset``, and ``[0, 0]`` crashes it). Each video of a SOT pair is treated as an
  image on its own; MMTracking uses frame 0 of both as soon as either has one frame. An optional
  per-frame ``valid`` mask (target visible) is an addition: 0.x ``PairSampling`` ignores it.
* ``sample_clip`` (fixed-length VIS clips) has no 0.x counterpart; it extends ``uniform``.
"""

from ._common import normalize_frame_range
from .clip import sample_clip
from .ref_frames import REF_METHODS, RefSampler, sample_key_frames, sample_ref_frames
from .sot import SOTPair, sample_sot_pair

__all__ = [
    "REF_METHODS",
    "RefSampler",
    "SOTPair",
    "normalize_frame_range",
    "sample_clip",
    "sample_key_frames",
    "sample_ref_frames",
    "sample_sot_pair",
]
