"""The batched constant-velocity Kalman filter shared by every box state layout.

:class:`BoxKalmanFilter` holds one implementation of each step (initiate, predict, project,
update, gating, NSA) over ``N`` tracks at once; a subclass only says what its 4 measured
coordinates are (``layout``), how boxes convert to them and how large its noises are
(:meth:`~BoxKalmanFilter._initiate_std`, :meth:`~BoxKalmanFilter._process_std`,
:meth:`~BoxKalmanFilter._measurement_std`). The 8-d state is the 4 coordinates and their
velocities; the measurement is the 4 coordinates (``H = [I | 0]``).

All arrays are numpy ``float64``: the covariances are ill-conditioned in float32 (the xyah
aspect-ratio noise is 1e-5 next to pixel-sized terms), and numpy's batched ``matmul``/``solve``
are fast on CPU for the 8x8 and 4x4 systems involved.
"""

import numpy as np
import torch

__all__ = ["BoxKalmanFilter", "CHI2INV95"]

# 0.95 quantile of the chi-square distribution with N degrees of freedom (N = 1..9).
CHI2INV95 = {
    1: 3.8415,
    2: 5.9915,
    3: 7.8147,
    4: 9.4877,
    5: 11.070,
    6: 12.592,
    7: 14.067,
    8: 15.507,
    9: 16.919,
}


def _diag(std):
    """(N, K) standard deviations -> (N, K, K) diagonal covariances."""
    out = np.zeros(std.shape + (std.shape[-1],))
    idx = np.arange(std.shape[-1])
    out[:, idx, idx] = std**2
    return out


def _add_to_diagonal(matrices, values):
    """``matrices + diag(values)`` for (N, K, K) and (N, K): a new array, no (N, K, K) temporary."""
    out = np.array(matrices, dtype=np.float64, order="C")  # a copy; the reshape is a view
    k = out.shape[-1]
    out.reshape(len(out), k * k)[:, :: k + 1] += values
    return out


# Off-diagonal entries of a flattened 4x4 matrix.
_OFF_DIAGONAL_4X4 = np.flatnonzero(~np.eye(4, dtype=bool))


def _gain_transposed(proj_cov, cross):
    """``S^-1 (H P)`` for the innovation covariances ``S`` (N, 4, 4) and ``H P`` (N, 4, 8).

    With the filters' diagonal noises, ``S`` stays exactly diagonal (each measured coordinate is
    only ever coupled with its own velocity), and the solve is a scaling by the reciprocal
    diagonal, which is what the LU solve does on a diagonal matrix (identical to the last bit in
    our checks, numpy and torch solvers alike) at a fraction of its cost. Any other ``S`` (e.g.
    after a camera rotation mixed x and y) is solved.
    """
    flat = proj_cov.reshape(len(proj_cov), 16)
    if np.any(flat[:, _OFF_DIAGONAL_4X4]):
        return _solve(proj_cov, cross)
    return cross * (1.0 / flat[:, ::5, None])


def _solve(a, b):
    """Solve ``a x = b`` for batches of small systems: ``a`` (N, K, K), ``b`` (N, K, M).

    ``np.linalg.solve`` has a per-matrix overhead: above a few dozen systems
    ``torch.linalg.solve`` on the same memory is about twice as fast.
    """
    if len(a) < 64:
        return np.linalg.solve(a, b)
    return torch.linalg.solve(torch.from_numpy(a), torch.from_numpy(b)).numpy()


class BoxKalmanFilter:
    """Constant-velocity Kalman filter for a batch of boxes; subclasses fix the state layout.

    Shapes: ``N`` tracks; ``mean`` (N, 8), ``covariance`` (N, 8, 8), ``measurements`` (N, 4)
    in the subclass's ``layout``.

    Args:
        center_only (bool): gate on the box centre only (2 degrees of freedom) instead of the
            whole box (4), as MMTracking's ``center_only``.
        std_weight_position (float): position noise per pixel of box size.
        std_weight_velocity (float): velocity noise per pixel of box size.
        nsa_exponent (float): with a ``confidence`` ``c`` given to :meth:`update`, the
            measurement covariance is multiplied by ``(1 - c) ** nsa_exponent`` (NSA Kalman,
            StrongSORT). 1 is the paper's ``R_k = (1 - c_k) R_k``; StrongSORT's released code
            scales the standard deviations by ``1 - c``, i.e. exponent 2.
    """

    #: Names of the 4 measured coordinates, e.g. ``"xyah"``.
    layout = None

    def __init__(
        self,
        *,
        center_only=False,
        std_weight_position=1.0 / 20,
        std_weight_velocity=1.0 / 160,
        nsa_exponent=1.0,
    ):
        self.center_only = center_only
        self.std_weight_position = std_weight_position
        self.std_weight_velocity = std_weight_velocity
        self.nsa_exponent = float(nsa_exponent)

    # Layout-specific parts -------------------------------------------------------------------

    @staticmethod
    def box_to_measurement(boxes):
        """(N, 4) ``XYXY_ABS`` boxes -> (N, 4) measurements in this filter's ``layout``."""
        raise NotImplementedError

    @staticmethod
    def measurement_to_box(measurements):
        """(N, 4) measurements (or ``mean[:, :4]``) -> (N, 4) ``XYXY_ABS`` boxes."""
        raise NotImplementedError

    def _initiate_std(self, measurements):
        """(N, 8) standard deviations of a new track's state, from (N, 4) measurements."""
        raise NotImplementedError

    def _process_std(self, mean):
        """(N, 8) standard deviations of the process noise ``Q``, from (N, 8) states."""
        raise NotImplementedError

    def _measurement_std(self, mean):
        """(N, 4) standard deviations of the measurement noise ``R``, from (N, 8) states."""
        raise NotImplementedError

    # Shared filter ---------------------------------------------------------------------------

    @property
    def gating_threshold(self):
        """Mahalanobis gate used with ``only_position=self.center_only``."""
        return CHI2INV95[2 if self.center_only else 4]

    def initiate(self, measurements):
        """Start tracks at unmatched measurements, with zero velocity.

        Args:
            measurements (ndarray): (N, 4) boxes in ``layout``.

        Returns:
            tuple: ``mean`` (N, 8) and ``covariance`` (N, 8, 8).
        """
        measurements = np.asarray(measurements, dtype=np.float64).reshape(-1, 4)
        mean = np.concatenate([measurements, np.zeros_like(measurements)], axis=1)
        return mean, _diag(self._initiate_std(measurements))

    def predict(self, mean, covariance):
        """Advance tracks by one frame.

        Args:
            mean (ndarray): (N, 8).
            covariance (ndarray): (N, 8, 8).

        Returns:
            tuple: predicted ``mean`` (N, 8) and ``covariance`` (N, 8, 8).
        """
        std = self._process_std(mean)
        mean = np.array(mean, dtype=np.float64)
        mean[:, :4] += mean[:, 4:]  # F mean: position += velocity
        # F P F^T for F = [[I, I], [0, I]] in 4x4 blocks of P = [[A, B], [C, D]], without the
        # batched 8x8 matmuls (numpy runs those one small matrix at a time). The blocks are
        # summed with the track axis last, so that every numpy loop runs over N, not over 4.
        p = np.ascontiguousarray(covariance.reshape(len(covariance), 64).T).reshape(2, 4, 2, 4, -1)
        a, b, c, d = p[0, :, 0], p[0, :, 1], p[1, :, 0], p[1, :, 1]
        out = np.empty((2, 4, 2, 4, len(covariance)))
        out[0, :, 0] = a + b + c + d
        out[0, :, 1] = b + d
        out[1, :, 0] = c + d
        out[1, :, 1] = d
        out.reshape(64, -1)[::9] += (std**2).T  # + Q, Q diagonal
        return mean, np.ascontiguousarray(out.reshape(64, -1).T).reshape(covariance.shape)

    def project(self, mean, covariance, confidence=None):
        """State distribution -> measurement-space ``mean`` (N, 4), ``covariance`` (N, 4, 4).

        Args:
            mean (ndarray): (N, 8).
            covariance (ndarray): (N, 8, 8).
            confidence (ndarray, float or None): (N,) detection confidences in [0, 1] for NSA
                (the measurement noise is scaled by ``(1 - c) ** nsa_exponent``); None: no scaling.
        """
        noise = self._measurement_std(mean) ** 2
        if confidence is not None:
            noise = noise * self._nsa_scale(confidence, len(mean))[:, None]
        return mean[:, :4], _add_to_diagonal(covariance[:, :4, :4], noise)

    def _nsa_scale(self, confidence, num):
        confidence = np.broadcast_to(np.asarray(confidence, dtype=np.float64), (num,))
        return (1.0 - np.clip(confidence, 0.0, 1.0)) ** self.nsa_exponent

    def update(self, mean, covariance, measurements, confidence=None):
        """Correct tracks with their matched measurements.

        Args:
            mean (ndarray): (N, 8) predicted states.
            covariance (ndarray): (N, 8, 8).
            measurements (ndarray): (N, 4) boxes in ``layout``, row i for track i.
            confidence (ndarray, float or None): (N,) detection confidences for NSA Kalman
                (StrongSORT): a confident detection has less measurement noise. None (default):
                the plain filter.

        Returns:
            tuple: corrected ``mean`` (N, 8) and ``covariance`` (N, 8, 8).
        """
        measurements = np.asarray(measurements, dtype=np.float64).reshape(-1, 4)
        proj_mean, proj_cov = self.project(mean, covariance, confidence)
        cross = covariance[:, :4, :]  # H P, (N, 4, 8)
        # Kalman gain K = P H^T S^-1, solved rather than inverted; S is symmetric.
        gain = _gain_transposed(proj_cov, cross).transpose(0, 2, 1)  # (N, 8, 4)
        innovation = measurements - proj_mean
        mean = mean + np.einsum("nij,nj->ni", gain, innovation)
        covariance = covariance - gain @ cross  # P - K S K^T = P - K H P
        return mean, covariance

    def gating_distance(self, mean, covariance, measurements, only_position=False):
        """Squared Mahalanobis distance of one track to each of M measurements.

        Args:
            mean (ndarray): (8,) one track's state.
            covariance (ndarray): (8, 8).
            measurements (ndarray): (M, 4) boxes in ``layout``.
            only_position (bool): use only the box centre (compare with ``CHI2INV95[2]``).

        Returns:
            ndarray: (M,) distances; compare with ``CHI2INV95[4]`` (or ``[2]``).
        """
        dist = self.gating_distance_batch(
            np.asarray(mean)[None], np.asarray(covariance)[None], measurements, only_position
        )
        return dist[0]

    def gating_distance_batch(self, mean, covariance, measurements, only_position=False):
        """Squared Mahalanobis distance of every track to every measurement.

        Args:
            mean (ndarray): (T, 8).
            covariance (ndarray): (T, 8, 8).
            measurements (ndarray): (M, 4) boxes in ``layout``.
            only_position (bool): use only the box centre.

        Returns:
            ndarray: (T, M) distances.
        """
        measurements = np.asarray(measurements, dtype=np.float64).reshape(-1, 4)
        proj_mean, proj_cov = self.project(mean, covariance)
        dims = 2 if only_position else 4
        diff = measurements[None, :, :dims] - proj_mean[:, None, :dims]  # (T, M, dims)
        if diff.size == 0:
            return np.zeros(diff.shape[:2])
        solved = _solve(proj_cov[:, :dims, :dims], diff.transpose(0, 2, 1))
        return np.einsum("tdm,tmd->tm", solved, diff)
