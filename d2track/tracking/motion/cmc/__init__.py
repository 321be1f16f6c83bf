"""Camera motion compensation for every tracker: estimate a frame-to-frame warp (ECC, sparse
optical flow, ORB), cache it per video, and apply it to boxes or Kalman states.

Typical tracker use (``image`` and ``frame_id`` come in ``update``'s frame context)::

    warp = self.cmc.estimate(prev_image, image, video=video, frame_id=self.frame_id)
    mean, cov = warp_states(mean, cov, warp, layout=kalman_filter.layout)
"""

from .cache import CachedCMC, CMCCacheError
from .common import EstimationFailed
from .compensation import CMC_METHODS, CameraMotionCompensation
from .ecc import ECC
from .features import ORB, SparseOptFlow
from .warp import STATE_LAYOUTS, warp_boxes, warp_states

__all__ = [
    "CMCCacheError",
    "CMC_METHODS",
    "CachedCMC",
    "CameraMotionCompensation",
    "ECC",
    "EstimationFailed",
    "ORB",
    "STATE_LAYOUTS",
    "SparseOptFlow",
    "warp_boxes",
    "warp_states",
]
