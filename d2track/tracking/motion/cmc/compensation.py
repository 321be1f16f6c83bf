"""One camera motion compensation front for every tracker: ECC, sparse optical flow or ORB.

``CameraMotionCompensation(method=...)`` estimates the (2, 3) affine warp mapping
previous-frame pixel coordinates to the current frame; :func:`~.warp.warp_boxes` and
:func:`~.warp.warp_states` apply it to boxes or Kalman states. Methods:

* ``"ecc"`` (default; :class:`~.ecc.ECC`): MMTracking's ECC, used by Tracktor;
* ``"sparse_flow"`` (:class:`~.features.SparseOptFlow`): BoT-SORT's ``sparseOptFlow``;
* ``"orb"`` (:class:`~.features.ORB`): BoT-SORT's ``orb``.

Estimation never raises on hard frames: when it fails (too few features, ECC not converging)
the identity is returned, the first failure of an instance logged as a warning, later ones at
debug level. Bad inputs (not an image, two sizes) still raise.
"""

import logging

import cv2
import numpy as np
import torch

from .common import EstimationFailed
from .ecc import ECC
from .features import ORB, SparseOptFlow
from .warp import warp_boxes

__all__ = ["CMC_METHODS", "CameraMotionCompensation"]

logger = logging.getLogger(__name__)

#: ``method`` name -> estimator class (keyword-only parameters, ``config``, ``prepare``, ``match``).
CMC_METHODS = {"ecc": ECC, "sparse_flow": SparseOptFlow, "orb": ORB}


def _to_gray(image, name):
    """(H, W) grayscale view of a (H, W, 3) BGR or (H, W) frame."""
    if not isinstance(image, np.ndarray):
        raise TypeError(f"CameraMotionCompensation: '{name}' must be an ndarray, got {type(image)}")
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if image.ndim == 2:
        return image
    raise ValueError(
        f"CameraMotionCompensation: '{name}' must be a (H, W, 3) BGR or (H, W) grayscale image, "
        f"got shape {image.shape}"
    )


class CameraMotionCompensation:
    """Estimates the camera motion between two frames and moves boxes with it.

    Args:
        method (str): ``"ecc"``, ``"sparse_flow"`` or ``"orb"`` (:data:`CMC_METHODS`).
        params: the method's keyword arguments (defaults: MMTracking's Tracktor configs for
            ECC, BoT-SORT's GMC for the others), e.g. ``warp_mode``, ``num_iters``,
            ``stop_eps``, ``downscale`` for ECC; see :class:`~.ecc.ECC`,
            :class:`~.features.SparseOptFlow` and :class:`~.features.ORB`.

    The features of the latest ``frame`` are kept, and reused when that same array object comes
    back as the next call's ``prev_frame`` (each frame is analysed once, as BoT-SORT does):
    frames must not be modified in place once given.
    """

    def __init__(self, *, method="ecc", **params):
        if method not in CMC_METHODS:
            raise ValueError(
                f"CameraMotionCompensation: method must be one of {sorted(CMC_METHODS)}, "
                f"got {method!r}"
            )
        try:
            self.estimator = CMC_METHODS[method](**params)
        except TypeError as err:
            raise TypeError(f"CameraMotionCompensation(method={method!r}): {err}") from None
        self.method = method
        self._last = None  # (frame, prepared) of the latest `frame`
        self._failures = 0

    def __getattr__(self, name):
        # The method's parameters read as attributes (cmc.warp_mode, cmc.downscale, ...).
        if name.startswith("_") or name == "estimator":
            raise AttributeError(name)
        return getattr(self.estimator, name)

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in self.estimator.config().items())
        return f"CameraMotionCompensation(method={self.method!r}, {params})"

    def config(self):
        """``{"method": ..., **parameters}``: everything that determines the warps (JSON-able;
        :class:`~.cache.CachedCMC` keys its files by it)."""
        return {"method": self.method, **self.estimator.config()}

    def estimate(self, prev_frame, frame, *, video=None, frame_id=None, prev_frame_id=None):
        """The warp that maps previous-frame coordinates to current-frame coordinates.

        Args:
            prev_frame (ndarray): (H, W, 3) BGR or (H, W) grayscale previous frame (uint8; ECC
                also takes float32).
            frame (ndarray): the current frame, same size.
            video, frame_id, prev_frame_id: ignored; the cache key of :class:`~.cache.CachedCMC`,
                accepted here so that trackers call both the same way.

        Returns:
            ndarray: (2, 3) float64 ``[A | t]``, ``x_now = A @ x_prev + t``; the identity if the
            estimation fails (logged).
        """
        prev_gray, gray = _to_gray(prev_frame, "prev_frame"), _to_gray(frame, "frame")
        if prev_gray.shape != gray.shape:
            raise ValueError(
                f"CameraMotionCompensation: prev_frame {prev_gray.shape[:2]} and frame "
                f"{gray.shape[:2]} must have the same size"
            )
        if self._last is not None and self._last[0] is prev_frame:
            prev = self._last[1]
        else:
            prev = self.estimator.prepare(prev_gray)
        cur = self.estimator.prepare(gray)
        self._last = (frame, cur)
        try:
            return self.estimator.match(prev, cur)
        except (EstimationFailed, cv2.error) as err:
            self._log_failure(err)
            return np.eye(2, 3)

    def _log_failure(self, err):
        self._failures += 1
        if self._failures == 1:
            logger.warning(
                "CameraMotionCompensation(method=%r): %s; using the identity (later failures "
                "of this instance are logged at DEBUG level)",
                self.method,
                err,
            )
        else:
            logger.debug("CameraMotionCompensation(method=%r): %s", self.method, err)

    def warp_matrix(self, prev_image, image):
        """:meth:`estimate` as a (2, 3) float32 Tensor (the API Tracktor uses)."""
        return torch.from_numpy(self.estimate(prev_image, image).astype(np.float32))

    warp_boxes = staticmethod(warp_boxes)
