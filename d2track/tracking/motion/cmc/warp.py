"""Applying a camera motion warp to boxes and to Kalman states.

A warp is a (2, 3) affine matrix ``[A | t]`` mapping previous-frame pixel coordinates to the
current frame: ``x_now = A @ x_prev + t``, as returned by
:meth:`~d2track.tracking.motion.cmc.CameraMotionCompensation.estimate`.
"""

import numpy as np
import torch

__all__ = ["STATE_LAYOUTS", "warp_boxes", "warp_states"]

#: Kalman state layouts :func:`warp_states` knows (the ``layout`` of the motion filters).
STATE_LAYOUTS = ("xyah", "xywh")


def _check_warp(warp):
    warp = np.asarray(warp.cpu() if isinstance(warp, torch.Tensor) else warp, dtype=np.float64)
    if warp.shape != (2, 3):
        raise ValueError(f"warp must be (2, 3), got {warp.shape}")
    return warp


def warp_boxes(boxes, matrix):
    """Move boxes with a warp by transforming their two corners.

    Under a rotation the corners are not re-sorted (the result's ``x1`` may exceed ``x2``);
    camera warps between consecutive frames are nearly translations, where this never happens.

    Args:
        boxes (Tensor or ndarray): (N, 4) ``XYXY_ABS``.
        matrix (Tensor or ndarray): (2, 3) warp.

    Returns:
        Tensor or ndarray: (N, 4) warped boxes; a Tensor keeps the dtype and device of
        ``boxes`` (computed in float32), an ndarray is float64.
    """
    if tuple(boxes.shape[1:]) != (4,) or len(boxes.shape) != 2:
        raise ValueError(f"warp_boxes: boxes must be (N, 4), got {tuple(boxes.shape)}")
    if isinstance(boxes, torch.Tensor):
        matrix = torch.as_tensor(matrix, dtype=torch.float32, device=boxes.device)
        if matrix.shape != (2, 3):
            raise ValueError(f"warp_boxes: matrix must be (2, 3), got {tuple(matrix.shape)}")
        corners = boxes.float().reshape(-1, 2, 2)  # (N, [tl, br], [x, y])
        warped = corners @ matrix[:, :2].T + matrix[:, 2]
        return warped.reshape(-1, 4).to(boxes.dtype)
    matrix = _check_warp(matrix)
    corners = np.asarray(boxes, dtype=np.float64).reshape(-1, 2, 2)
    return (corners @ matrix[:, :2].T + matrix[:, 2]).reshape(-1, 4)


def _state_transform(linear, layout):
    """The (8, 8) linear map a warp's (2, 2) part induces on a state of ``layout``."""
    if layout == "xywh":
        # BoT-SORT (multi_gmc): the 2x2 part acts on each pair (x, y), (w, h), (vx, vy), (vw, vh).
        return np.kron(np.eye(4), linear)
    if layout == "xyah":
        block = np.zeros((4, 4))
        block[:2, :2] = linear  # the centre and its velocity turn and scale with the image
        block[2, 2] = 1.0  # the aspect ratio is unchanged by a similarity
        block[3, 3] = np.sqrt(abs(np.linalg.det(linear)))  # the height scales with the image
        return np.kron(np.eye(2), block)
    raise ValueError(f"warp_states: layout must be one of {STATE_LAYOUTS}, got {layout!r}")


def warp_states(mean, covariance, warp, *, layout):
    """Move Kalman states with the camera: ``mean' = J mean + [t, 0]``, ``cov' = J cov J^T``.

    ``xywh`` follows BoT-SORT's ``STrack.multi_gmc`` exactly: the warp's 2x2 part ``A`` is
    applied to every coordinate pair (centre, size, and their velocities) and the translation is
    added to the centre. ``xyah`` moves the centre by the full affine and its velocity by ``A``;
    the aspect ratio ``a`` and its velocity are kept (a similarity, which is what every
    :class:`~d2track.tracking.motion.cmc.CameraMotionCompensation` method but ECC's
    ``"affine"`` mode estimates, does not change it), and the height ``h`` and its velocity are
    scaled by ``sqrt(|det A|)``, the warp's scale (exact for a similarity, the area-preserving
    mean scale for a general affine).

    Args:
        mean (ndarray): (N, 8) states in ``layout`` plus velocities.
        covariance (ndarray): (N, 8, 8).
        warp (ndarray or Tensor): (2, 3) previous -> current frame.
        layout (str): ``"xywh"`` or ``"xyah"`` (a motion filter's ``layout``).

    Returns:
        tuple: new ``mean`` (N, 8) and ``covariance`` (N, 8, 8), float64.
    """
    warp = _check_warp(warp)
    transform = _state_transform(warp[:, :2], layout)
    mean = np.asarray(mean, dtype=np.float64).reshape(-1, 8) @ transform.T
    mean[:, :2] += warp[:, 2]
    covariance = transform @ np.asarray(covariance, dtype=np.float64) @ transform.T
    return mean, covariance
