"""Gaussian-smoothed interpolation (GSI): StrongSORT's offline track post-processing.

Follows ``GSI.py`` of the StrongSORT authors' code (dyhBUPT/StrongSORT; Du et al., IEEE TMM
2023), run there with ``interval=20, tau=10``:

1. linear interpolation: in every track (whatever its length), each gap of
   ``1 < next_frame - frame < interval`` frames is filled with linearly interpolated boxes
   (:func:`~d2track.tracking.interpolation.interpolate_tracks` with ``min_num_frames=0``);
2. Gaussian smoothing: each track's box coordinates are replaced by the posterior mean of a
   Gaussian process regression over its frame ids, evaluated at those frames, with a fixed RBF
   kernel of length scale ``clip(tau * log(tau^3 / n), 1 / tau, tau^2)`` for a track of ``n``
   rows (after step 1).

The reference fits scikit-learn's ``GaussianProcessRegressor(RBF(l, "fixed"))`` (defaults:
``alpha=1e-10``, ``normalize_y=False``) to each coordinate. scikit-learn is not a dependency of
d2track, so :func:`gp_smooth` computes exactly what it computes for that kernel: ``K = exp(-0.5
(t_i - t_j)^2 / l^2) + 1e-10 I``, its lower Cholesky factor ``L`` (``scipy.linalg.cholesky``),
``a = cho_solve(L, y)`` and the prediction ``K(t, t) a`` (``K`` without the jitter). Where that
factorisation fails (scikit-learn raises) the least-squares solution is used instead.

The reference smooths ``x, y, w, h`` (top-left, size); the regression is linear in its targets,
so smoothing ``x1, y1, x2, y2`` gives the same boxes. Differences: the rows keep their detection
scores (the reference writes 1 everywhere; interpolated rows get 1 here too) and their class,
and a track's rows must be unique per frame.
"""

import numpy as np
import scipy.linalg

from .interpolation import _instances, _rows, interpolate_tracks

__all__ = ["GaussianSmoothedInterpolation", "gaussian_smooth", "gp_smooth", "gsi_length_scale"]

#: ``GaussianProcessRegressor``'s default ``alpha``: added to the kernel's diagonal when fitting.
GP_ALPHA = 1e-10


def gsi_length_scale(num_rows, tau):
    """The RBF length scale GSI uses for a track of ``num_rows`` rows."""
    return float(np.clip(tau * np.log(tau**3 / num_rows), 1.0 / tau, tau**2))


def gp_smooth(times, values, length_scale, *, alpha=GP_ALPHA):
    """Posterior mean of a zero-mean GP with an RBF kernel at the training inputs.

    Args:
        times (ndarray): (n,) inputs (frame ids).
        values (ndarray): (n,) or (n, k) targets; columns are fitted independently.
        length_scale (float): the RBF kernel's length scale.
        alpha (float): added to the kernel's diagonal (observation noise variance).

    Returns:
        ndarray: float64 of the shape of ``values``.
    """
    scaled = np.asarray(times, dtype=np.float64).reshape(-1) / length_scale
    kernel = np.exp(-0.5 * (scaled[:, None] - scaled[None, :]) ** 2)
    values = np.asarray(values, dtype=np.float64)
    columns = values.reshape(len(scaled), -1)
    noisy = kernel.copy()
    noisy[np.diag_indices_from(noisy)] += alpha
    try:
        factor = scipy.linalg.cholesky(noisy, lower=True, check_finite=False)
        # One solve per column, as one scikit-learn fit per coordinate: a multi-column solve
        # rounds differently, which this ill-conditioned system amplifies to ~1e-3 pixels.
        weights = [
            scipy.linalg.cho_solve((factor, True), column[:, None], check_finite=False)
            for column in columns.T
        ]
        smoothed = np.concatenate([kernel @ w for w in weights], axis=1)
    except np.linalg.LinAlgError:
        smoothed = kernel @ np.linalg.lstsq(noisy, columns, rcond=None)[0]
    return smoothed.reshape(values.shape)


def gaussian_smooth(results, *, tau=10.0):
    """Step 2 of the module docstring on every track.

    Args:
        results (ndarray): (R, C) rows ``frame_id, track_id, x1, y1, x2, y2, ...``, C >= 6.
        tau (float): GSI's ``tau``.

    Returns:
        ndarray: (R, C) float64 copy with columns 2-5 smoothed, sorted by track then frame.
    """
    results = np.asarray(results, dtype=np.float64)
    out = results[np.lexsort((results[:, 0], results[:, 1]))]
    starts = np.flatnonzero(np.diff(out[:, 1])) + 1
    for track in np.split(np.arange(len(out)), starts):
        if not len(track):
            continue
        scale = gsi_length_scale(len(track), tau)
        out[track, 2:6] = gp_smooth(out[track, 0], out[track, 2:6], scale)
    return out


class GaussianSmoothedInterpolation:
    """GSI over the tracks of one whole video (offline): a video post-processor
    (``TrackingByDetection(video_postprocessor=L(GaussianSmoothedInterpolation)())``).

    Args:
        interval (int): gaps with ``next_frame - frame < interval`` are interpolated (20).
        tau (float): smoothing parameter of the length scale (10).
    """

    def __init__(self, *, interval=20, tau=10.0):
        self.interval = int(interval)
        self.tau = float(tau)

    def __call__(self, frames, frame_ids=None):
        """Interpolate and smooth the tracks of one video.

        Args:
            frames (list[Instances]): the video's tracked frames in order, with ``pred_boxes``
                (XYXY_ABS), ``scores``, ``pred_classes`` and ``ID``.
            frame_ids (list[int] or None): the frames' ids (None: 0, 1, 2, ...).

        Returns:
            list[Instances]: per frame, on the CPU, its rows sorted by ``ID`` with smoothed boxes
            plus the rows interpolated into it (score 1, the track's class); fields
            ``pred_boxes``, ``scores``, ``pred_classes`` and ``ID`` only. Rows interpolated at
            frames missing from ``frame_ids`` still count in the smoothing, but are not output.
        """
        frame_ids = list(range(len(frames))) if frame_ids is None else list(frame_ids)
        if len(frame_ids) != len(frames):
            raise ValueError(
                f"GaussianSmoothedInterpolation: {len(frames)} frames but {len(frame_ids)} ids"
            )
        rows = np.concatenate(
            [_rows(f, i) for f, i in zip(frames, frame_ids)] or [np.zeros((0, 8))]
        )
        classes = dict(zip(rows[:, 1], rows[:, 7]))  # a track keeps one class
        rows = interpolate_tracks(rows, min_num_frames=0, max_num_frames=self.interval)
        new = rows[:, 7] < 0
        rows[new, 7] = [classes[i] for i in rows[new, 1]]
        rows = gaussian_smooth(rows, tau=self.tau)
        rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
        return [_instances(rows[rows[:, 0] == i], f.image_size) for f, i in zip(frames, frame_ids)]
