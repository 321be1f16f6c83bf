"""ECC image alignment (``method="ecc"``), as MMTracking 0.x's camera motion compensation.

Matches ``mmtrack/models/motion/camera_motion_compensation.py``: the warp between two frames is
estimated on grayscale images with OpenCV's enhanced correlation coefficient maximisation
(``cv2.findTransformECC``). The defaults are those of MMTracking's Tracktor configs
(``tracktor_faster-rcnn_r50_fpn_4e_mot17-*.py``: euclidean warp, 100 iterations,
``stop_eps=1e-5``); the class defaults of MMTracking itself (50 iterations, ``1e-3``) are looser.
BoT-SORT's GMC ``"ecc"`` uses 5000 iterations, ``1e-6`` and ``downscale=2`` (after a 3x3 Gaussian
blur, which this one does not apply).
"""

import cv2
import numpy as np

from .common import EstimationFailed

__all__ = ["ECC"]

_WARP_MODES = {
    "translation": cv2.MOTION_TRANSLATION,
    "euclidean": cv2.MOTION_EUCLIDEAN,
    "affine": cv2.MOTION_AFFINE,
}


class ECC:
    """ECC estimator of the camera motion.

    Args:
        warp_mode (str): ``"translation"``, ``"euclidean"`` (rotation + translation, the
            MMTracking default) or ``"affine"``.
        num_iters (int): maximum number of ECC iterations.
        stop_eps (float): ECC stops when the correlation coefficient improves by less.
        downscale (float): ECC runs on frames shrunk by this factor (>= 1) and the translation
            is scaled back up. ECC's cost grows with the number of pixels, so 2 or 4 makes it
            4x or 16x cheaper on 1080p MOT frames at the price of sub-pixel accuracy. Default
            1 (full resolution, as MMTracking).
    """

    method = "ecc"

    def __init__(self, *, warp_mode="euclidean", num_iters=100, stop_eps=1e-5, downscale=1.0):
        if warp_mode not in _WARP_MODES:
            raise ValueError(
                f"CameraMotionCompensation: warp_mode must be one of {sorted(_WARP_MODES)}, "
                f"got {warp_mode!r}"
            )
        if downscale < 1:
            raise ValueError(f"CameraMotionCompensation: downscale must be >= 1, got {downscale}")
        self.warp_mode = warp_mode
        self.num_iters = int(num_iters)
        self.stop_eps = float(stop_eps)
        self.downscale = float(downscale)

    def config(self):
        """The parameters that determine the result (a JSON-able dict)."""
        return {
            "warp_mode": self.warp_mode,
            "num_iters": self.num_iters,
            "stop_eps": self.stop_eps,
            "downscale": self.downscale,
        }

    def prepare(self, gray):
        """What :meth:`match` needs of one (H, W) grayscale frame: the frame at ECC's scale."""
        if self.downscale > 1:
            size = (
                max(1, round(gray.shape[1] / self.downscale)),
                max(1, round(gray.shape[0] / self.downscale)),
            )
            gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
        return {"gray": gray}

    def match(self, prev, cur):
        """(2, 3) float64 warp from :meth:`prepare` of the previous and the current frame.

        Raises:
            EstimationFailed: ECC did not converge.
        """
        matrix = np.eye(2, 3, dtype=np.float32)
        criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, self.num_iters, self.stop_eps)
        try:
            # template = previous frame, input = current frame: ECC finds W with
            # prev(x) ~ cur(W x), i.e. W carries previous positions into this frame.
            _, matrix = cv2.findTransformECC(
                prev["gray"], cur["gray"], matrix, _WARP_MODES[self.warp_mode], criteria, None, 1
            )
        except cv2.error as err:
            raise EstimationFailed(f"ECC failed ({err})") from None
        matrix[:, 2] *= self.downscale
        return matrix.astype(np.float64)
