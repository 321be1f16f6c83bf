"""StrongSORT++'s offline steps in the authors' order: AFLink, then GSI."""

__all__ = ["LinkAndInterpolate"]


class LinkAndInterpolate:
    """A video post-processor running ``link`` and then ``interpolate`` on a whole video, as the
    authors' ``strong_sort.py`` with ``--AFLink --GSI``.

    Args:
        link (callable or None): e.g. :class:`~.aflink.AppearanceFreeLink`.
        interpolate (callable or None): e.g.
            :class:`~d2track.tracking.gsi.GaussianSmoothedInterpolation`.

    Both take and return ``(frames: list[Instances], frame_ids: list[int]) -> list[Instances]``;
    a step that is None is skipped.
    """

    def __init__(self, *, link=None, interpolate=None):
        self.link = link
        self.interpolate = interpolate

    def __call__(self, frames, frame_ids=None):
        for step in (self.link, self.interpolate):
            if step is not None:
                frames = step(frames, frame_ids)
        return frames
