"""Batched constant-velocity Kalman filters on ``xyah`` (DeepSORT) and ``xywh`` (BoT-SORT) boxes.

:class:`KalmanFilter` matches MMTracking 0.x ``mmtrack/models/motion/kalman_filter.py`` (itself
DeepSORT's filter): the 8-d state is the box centre ``x, y``, aspect ratio ``a = w / h`` and
height ``h`` plus their velocities; process and measurement noise scale with the box height
(position weight 1/20, velocity weight 1/160), and gating uses the 0.95 chi-square quantile of
the Mahalanobis distance.

:class:`KalmanFilterXYWH` is BoT-SORT's filter (``tracker/kalman_filter.py`` of
NirAharon/BoT-SORT): the state is the centre, width ``w`` and height ``h`` plus velocities, and
every noise term of a coordinate scales with the box width (``x``, ``w``) or height (``y``,
``h``), with the same weights: new tracks ``2/20`` (position) and ``10/160`` (velocity),
prediction ``1/20`` and ``1/160``, measurement ``1/20``.

Both work on a batch of tracks at once (trackers never loop over tracks in Python) and take an
optional per-measurement ``confidence`` in :meth:`~BoxKalmanFilter.update` for StrongSORT's NSA
Kalman filter. The shared steps live in :class:`~.kalman_base.BoxKalmanFilter`.
"""

import numpy as np

from .kalman_base import CHI2INV95, BoxKalmanFilter

__all__ = [
    "BoxKalmanFilter",
    "CHI2INV95",
    "KalmanFilter",
    "KalmanFilterXYWH",
    "xyah_to_xyxy",
    "xywh_to_xyxy",
    "xyxy_to_xyah",
    "xyxy_to_xywh",
]


def xyxy_to_xyah(boxes):
    """(N, 4) ``x1, y1, x2, y2`` -> (N, 4) ``cx, cy, w / h, h`` (float64 ndarray)."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    out = np.empty(boxes.shape)  # filled column by column: cheaper than np.stack
    out[:, 0] = boxes[:, 0] + 0.5 * w
    out[:, 1] = boxes[:, 1] + 0.5 * h
    out[:, 2] = w / h
    out[:, 3] = h
    return out


def xyah_to_xyxy(boxes):
    """(N, 4) ``cx, cy, w / h, h`` -> (N, 4) ``x1, y1, x2, y2`` (float64 ndarray)."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    h = boxes[:, 3]
    w = boxes[:, 2] * h
    out = np.empty(boxes.shape)  # filled column by column: cheaper than np.stack
    out[:, 0] = boxes[:, 0] - 0.5 * w
    out[:, 1] = boxes[:, 1] - 0.5 * h
    out[:, 2] = boxes[:, 0] + 0.5 * w
    out[:, 3] = boxes[:, 1] + 0.5 * h
    return out


def xyxy_to_xywh(boxes):
    """(N, 4) ``x1, y1, x2, y2`` -> (N, 4) ``cx, cy, w, h`` (float64 ndarray)."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    out = np.empty(boxes.shape)
    out[:, 2:] = boxes[:, 2:] - boxes[:, :2]
    out[:, :2] = boxes[:, :2] + 0.5 * out[:, 2:]
    return out


def xywh_to_xyxy(boxes):
    """(N, 4) ``cx, cy, w, h`` -> (N, 4) ``x1, y1, x2, y2`` (float64 ndarray)."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    out = np.empty(boxes.shape)
    out[:, :2] = boxes[:, :2] - 0.5 * boxes[:, 2:]
    out[:, 2:] = boxes[:, :2] + 0.5 * boxes[:, 2:]
    return out


class KalmanFilter(BoxKalmanFilter):
    """Constant-velocity Kalman filter for a batch of boxes in ``xyah`` form (DeepSORT,
    MMTracking); arguments as :class:`~.kalman_base.BoxKalmanFilter`.

    Shapes: ``N`` tracks; ``mean`` (N, 8), ``covariance`` (N, 8, 8), ``measurements`` (N, 4).
    """

    layout = "xyah"
    box_to_measurement = staticmethod(xyxy_to_xyah)
    measurement_to_box = staticmethod(xyah_to_xyxy)

    def _noise(self, height, pos_scale, vel_scale, a_pos, a_vel):
        """(N, 8) std of ``xyah`` + velocities, proportional to the box height (N,); the aspect
        ratio's are the constants ``a_pos`` and ``a_vel``."""
        pos = self.std_weight_position * pos_scale
        vel = self.std_weight_velocity * vel_scale
        std = height[:, None] * np.array([pos, pos, 0, pos, vel, vel, 0, vel])
        std[:, 2], std[:, 6] = a_pos, a_vel
        return std

    def _initiate_std(self, measurements):
        # A new track is uncertain: twice the position noise, ten times the velocity noise.
        return self._noise(measurements[:, 3], 2.0, 10.0, 1e-2, 1e-5)

    def _process_std(self, mean):
        return self._noise(mean[:, 3], 1.0, 1.0, 1e-2, 1e-5)

    def _measurement_std(self, mean):
        std = self.std_weight_position * mean[:, 3, None] * np.ones(4)
        std[:, 2] = 1e-1
        return std


class KalmanFilterXYWH(BoxKalmanFilter):
    """BoT-SORT's constant-velocity Kalman filter on ``cx, cy, w, h`` boxes; arguments as
    :class:`~.kalman_base.BoxKalmanFilter`.

    Unlike ``xyah``, width and height are filtered separately and every noise term of ``x`` and
    ``w`` is proportional to the box width, of ``y`` and ``h`` to its height.
    """

    layout = "xywh"
    box_to_measurement = staticmethod(xyxy_to_xywh)
    measurement_to_box = staticmethod(xywh_to_xyxy)

    @staticmethod
    def _sizes(boxes):
        """(N, 4) ``w, h, w, h`` of (N, >= 4) ``xywh`` rows: the size each coordinate's noise
        is proportional to."""
        return np.concatenate([boxes[:, 2:4], boxes[:, 2:4]], axis=1)

    def _initiate_std(self, measurements):
        sizes = self._sizes(measurements)
        pos, vel = 2 * self.std_weight_position, 10 * self.std_weight_velocity
        return np.concatenate([pos * sizes, vel * sizes], axis=1)

    def _process_std(self, mean):
        sizes = self._sizes(mean)
        pos, vel = self.std_weight_position, self.std_weight_velocity
        return np.concatenate([pos * sizes, vel * sizes], axis=1)

    def _measurement_std(self, mean):
        return self.std_weight_position * self._sizes(mean)
