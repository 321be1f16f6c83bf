"""The per-frame camera motion step of the Kalman trackers with camera motion compensation
(BoT-SORT, Deep OC-SORT): which warp moves the tracks from the previous frame to this one.

A tracker builds one with :func:`build_camera_motion` (None when its ``cmc_method`` is off),
calls :meth:`CameraMotionStep.reset` from its ``reset`` and :meth:`CameraMotionStep.warp` once per
frame with the frame context's ``image`` and ``video``. With ``video`` the warps go through
:class:`~.motion.cmc.CachedCMC` (in memory, or in ``cache_dir``), so that a second run over a
video (a parameter search) computes none and needs no image; without it they are computed.
"""

from .motion.cmc import CachedCMC, CameraMotionCompensation

__all__ = ["CameraMotionStep", "build_camera_motion"]


def build_camera_motion(tracker, cmc_method, cmc_params=None, cmc_cache_dir=None):
    """A :class:`CameraMotionStep`, or None when ``cmc_method`` is None or ``"none"`` (off).

    Args:
        tracker (str): the tracker's name, for error messages.
        cmc_method (str or None): :class:`CameraMotionCompensation` method.
        cmc_params (dict or None): its further keyword arguments (e.g. ``downscale``).
        cmc_cache_dir (str or None): folder keeping the warps per video; None: in memory.
    """
    if cmc_method in (None, "none"):
        return None
    return CameraMotionStep(
        tracker=tracker, method=cmc_method, params=cmc_params, cache_dir=cmc_cache_dir
    )


class CameraMotionStep:
    """Camera motion of one video, frame after frame.

    Attributes:
        cmc (CameraMotionCompensation): the estimator.
        cache (CachedCMC): the per-video cache around it.
    """

    def __init__(self, *, tracker, method, params=None, cache_dir=None):
        """
        Args:
            tracker (str): the tracker's name, for error messages.
            method (str): ``"sparse_flow"``, ``"orb"`` or ``"ecc"``.
            params (dict or None): the method's keyword arguments.
            cache_dir (str or None): folder of the per-video warp files; None: in memory.
        """
        self.tracker = tracker
        self.cmc = CameraMotionCompensation(method=method, **dict(params or {}))
        self.cache = CachedCMC(self.cmc, cache_dir=cache_dir)
        self.reset()

    @property
    def method(self):
        return self.cmc.method

    def reset(self):
        """Start a new video; the finished one's warps go to ``cache_dir``."""
        self._prev_image = None
        self._prev_frame_id = None
        self.cache.flush()

    def warp(self, image, video, frame_id, *, has_tracks=True):
        """The (2, 3) warp from the previous frame of the video to this one, or None where
        nothing moves (first frame since :meth:`reset`, no track, no previous image).

        Args:
            image (ndarray or None): (H, W, 3) BGR frame.
            video (str, int or None): the video key (caches the warp).
            frame_id (int): this frame.
            has_tracks (bool): whether there is any track to move (no warp is computed
                otherwise).

        Raises:
            ValueError: neither ``image`` nor ``video`` is given.
        """
        if image is None and video is None:
            raise ValueError(
                f"{self.tracker}: camera motion compensation (cmc_method={self.method!r}) "
                "needs frame_context['image'], the (H, W, 3) BGR frame: pass update(..., "
                "image=frame), or build the tracker with cmc_method=None"
            )
        prev_image, self._prev_image = self._prev_image, image
        prev_frame_id, self._prev_frame_id = self._prev_frame_id, frame_id
        if prev_frame_id is None or not has_tracks:
            return None
        if video is not None:  # cached per video: a second run over it computes nothing
            return self.cache.estimate(
                prev_image, image, video=video, frame_id=frame_id, prev_frame_id=prev_frame_id
            )
        return None if prev_image is None else self.cmc.estimate(prev_image, image)
