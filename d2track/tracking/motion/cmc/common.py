"""What every camera motion estimator shares: its failure signal."""

__all__ = ["EstimationFailed"]


class EstimationFailed(RuntimeError):
    """An estimator found no warp (too few features, ECC did not converge); the message says
    why. :class:`~d2track.tracking.motion.cmc.CameraMotionCompensation` logs it and falls back
    to the identity."""
