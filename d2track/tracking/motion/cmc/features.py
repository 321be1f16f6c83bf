"""Feature-based camera motion: sparse optical flow and ORB matching, as BoT-SORT's GMC.

Both follow ``tracker/gmc.py`` of NirAharon/BoT-SORT (MIT): the frames are converted to
grayscale and shrunk by an integer ``downscale`` (2) without blurring, point correspondences
between the previous and the current frame are fitted by a 4-parameter similarity (rotation,
uniform scale, translation) with ``cv2.estimateAffinePartial2D`` and RANSAC (OpenCV's defaults:
3 px reprojection threshold at the shrunk scale), which needs more than 4 correspondences, and
the translation is multiplied by ``downscale``.

* ``"sparse_flow"`` (GMC ``"sparseOptFlow"``): Shi-Tomasi corners of the previous frame
  (``cv2.goodFeaturesToTrack``: 1000 corners, quality 0.01, min distance 1, block 3, no Harris,
  k 0.04) tracked into the current frame by pyramidal Lucas-Kanade (``cv2.calcOpticalFlowPyrLK``
  with OpenCV's defaults: 21x21 window, 3 levels); the correspondences found are kept.
* ``"orb"`` (GMC ``"orb"``): FAST corners (threshold 20) away from a 2% border, ORB descriptors
  (``cv2.ORB_create()`` defaults), brute-force Hamming 2-nearest-neighbour matching kept when
  the best distance is below 0.9 of the second, the displacement is below 25% of the (shrunk)
  frame size on both axes, and on both axes ``displacement - mean <= 2.5 std`` (one-sided, as the
  reference; ``<=`` rather than its ``<`` so that identical displacements, std 0, are kept).

Unlike BoT-SORT, ORB does not mask the detections out of the keypoint search: the warp then
depends on the frames only, so it can be cached per video (:class:`~.cache.CachedCMC`).
"""

import cv2
import numpy as np

from .common import EstimationFailed

__all__ = ["ORB", "SparseOptFlow"]


def _shrink(gray, downscale):
    """(H, W) 8-bit grayscale at ``1 / downscale`` (BoT-SORT's sizes: ``W // downscale``)."""
    if gray.dtype != np.uint8:  # LK and ORB need 8 bits
        gray = np.clip(gray, 0, 255).astype(np.uint8)
    if downscale > 1:
        size = (max(1, gray.shape[1] // downscale), max(1, gray.shape[0] // downscale))
        gray = cv2.resize(gray, size)
    return gray


def _check_downscale(downscale):
    if int(downscale) != downscale or downscale < 1:
        raise ValueError(
            f"CameraMotionCompensation: downscale must be an integer >= 1, got {downscale}"
        )
    return int(downscale)


def _fit(prev_points, points, *, min_matches, ransac_threshold, downscale):
    """(2, 3) float64 similarity from (K, 2) correspondences at the shrunk scale."""
    if len(prev_points) < min_matches:
        raise EstimationFailed(f"too few correspondences ({len(prev_points)} < {min_matches})")
    warp, _ = cv2.estimateAffinePartial2D(
        prev_points.reshape(-1, 1, 2).astype(np.float32),
        points.reshape(-1, 1, 2).astype(np.float32),
        method=cv2.RANSAC,
        ransacReprojThreshold=ransac_threshold,
    )
    if warp is None or not np.isfinite(warp).all():
        raise EstimationFailed("RANSAC found no similarity")
    warp = warp.astype(np.float64)
    warp[:, 2] *= downscale
    return warp


class _FeatureEstimator:
    """Parameters common to the feature methods (see the module docstring)."""

    def __init__(self, *, downscale, min_matches, ransac_threshold):
        self.downscale = _check_downscale(downscale)
        self.min_matches = int(min_matches)
        self.ransac_threshold = float(ransac_threshold)

    def config(self):
        """The parameters that determine the result (a JSON-able dict)."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def _fit(self, prev_points, points):
        return _fit(
            prev_points,
            points,
            min_matches=self.min_matches,
            ransac_threshold=self.ransac_threshold,
            downscale=self.downscale,
        )


class SparseOptFlow(_FeatureEstimator):
    """BoT-SORT's ``"sparseOptFlow"``: Shi-Tomasi corners tracked by Lucas-Kanade.

    Args:
        downscale (int): frames are shrunk by this factor first.
        max_corners, quality_level, min_distance, block_size, use_harris, harris_k: of
            ``cv2.goodFeaturesToTrack`` on the previous frame.
        min_matches (int): fewest tracked corners that give a warp (BoT-SORT: more than 4).
        ransac_threshold (float): RANSAC reprojection threshold, shrunk pixels.
    """

    method = "sparse_flow"

    def __init__(
        self,
        *,
        downscale=2,
        max_corners=1000,
        quality_level=0.01,
        min_distance=1,
        block_size=3,
        use_harris=False,
        harris_k=0.04,
        min_matches=5,
        ransac_threshold=3.0,
    ):
        super().__init__(
            downscale=downscale, min_matches=min_matches, ransac_threshold=ransac_threshold
        )
        self.max_corners = int(max_corners)
        self.quality_level = float(quality_level)
        self.min_distance = float(min_distance)
        self.block_size = int(block_size)
        self.use_harris = bool(use_harris)
        self.harris_k = float(harris_k)

    def prepare(self, gray):
        """The shrunk frame; its corners are found when it serves as the previous frame."""
        return {"gray": _shrink(gray, self.downscale)}

    def _corners(self, prepared):
        if "corners" not in prepared:
            prepared["corners"] = cv2.goodFeaturesToTrack(
                prepared["gray"],
                maxCorners=self.max_corners,
                qualityLevel=self.quality_level,
                minDistance=self.min_distance,
                mask=None,
                blockSize=self.block_size,
                useHarrisDetector=self.use_harris,
                k=self.harris_k,
            )
        return prepared["corners"]

    def match(self, prev, cur):
        """(2, 3) float64 warp; raises :class:`EstimationFailed` without enough corners."""
        corners = self._corners(prev)
        if corners is None or len(corners) < self.min_matches:
            raise EstimationFailed(f"too few corners ({0 if corners is None else len(corners)})")
        moved, status, _ = cv2.calcOpticalFlowPyrLK(prev["gray"], cur["gray"], corners, None)
        found = status.ravel() == 1
        return self._fit(corners[found], moved[found])


class ORB(_FeatureEstimator):
    """BoT-SORT's ``"orb"``: FAST corners with ORB descriptors, matched by Hamming distance.

    Args:
        downscale (int): frames are shrunk by this factor first.
        fast_threshold (int): of ``cv2.FastFeatureDetector_create``.
        border (float): keypoints are searched only this fraction of the size away from the edges.
        ratio (float): Lowe's ratio test: best match distance < ``ratio`` * second best.
        max_displacement (float): largest displacement, fraction of the frame width / height.
        outlier_std (float): displacements more than this many standard deviations above the
            mean (per axis) are dropped.
        min_matches (int): fewest matches that give a warp (BoT-SORT: more than 4).
        ransac_threshold (float): RANSAC reprojection threshold, shrunk pixels.
    """

    method = "orb"

    def __init__(
        self,
        *,
        downscale=2,
        fast_threshold=20,
        border=0.02,
        ratio=0.9,
        max_displacement=0.25,
        outlier_std=2.5,
        min_matches=5,
        ransac_threshold=3.0,
    ):
        super().__init__(
            downscale=downscale, min_matches=min_matches, ransac_threshold=ransac_threshold
        )
        self.fast_threshold = int(fast_threshold)
        self.border = float(border)
        self.ratio = float(ratio)
        self.max_displacement = float(max_displacement)
        self.outlier_std = float(outlier_std)

    def prepare(self, gray):
        """Keypoint positions (K, 2), ORB descriptors (K, 32) or None, and the shrunk size."""
        gray = _shrink(gray, self.downscale)
        height, width = gray.shape
        mask = np.zeros_like(gray)
        y0, y1 = int(self.border * height), int((1 - self.border) * height)
        mask[y0:y1, int(self.border * width) : int((1 - self.border) * width)] = 255
        keypoints = cv2.FastFeatureDetector_create(self.fast_threshold).detect(gray, mask)
        keypoints, descriptors = cv2.ORB_create().compute(gray, keypoints)
        points = np.array([kp.pt for kp in keypoints], dtype=np.float64).reshape(-1, 2)
        return {"points": points, "descriptors": descriptors, "size": np.array([width, height])}

    def match(self, prev, cur):
        """(2, 3) float64 warp; raises :class:`EstimationFailed` without enough matches."""
        if prev["descriptors"] is None or cur["descriptors"] is None:
            raise EstimationFailed("no ORB keypoints")
        knn = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(prev["descriptors"], cur["descriptors"], 2)
        pairs = [
            (best.queryIdx, best.trainIdx)
            for best, second in (m for m in knn if len(m) == 2)
            if best.distance < self.ratio * second.distance
        ]
        pairs = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        prev_points, points = prev["points"][pairs[:, 0]], cur["points"][pairs[:, 1]]
        shift = prev_points - points
        near = (np.abs(shift) < self.max_displacement * cur["size"]).all(axis=1)
        prev_points, points, shift = prev_points[near], points[near], shift[near]
        if len(shift):
            mean, std = shift.mean(axis=0), shift.std(axis=0)
            inliers = (shift - mean <= self.outlier_std * std).all(axis=1)
            prev_points, points = prev_points[inliers], points[inliers]
        return self._fit(prev_points, points)
