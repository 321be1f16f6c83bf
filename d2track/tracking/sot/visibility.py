"""Deciding, frame by frame, whether a single object tracker still sees its target.

A Siamese tracker always returns its best candidate, so when the target is occluded or leaves
the view it silently moves onto whatever looks most alike. Its raw score does drop, but how high
"confident" is differs a lot between targets (a textured car may score 0.99 throughout, a small
blurred animal 0.6), so one threshold for all targets either misses losses or cries wolf.

:class:`LostDetector` modes:

* ``"relative"`` (default): each target keeps a reference score, the running mean (momentum
  ``reference_momentum``) of its scores on confident frames; the first tracked frame's score
  starts it. A target becomes lost when its score falls below ``lost_ratio * reference`` and is
  found again only when it climbs back to ``found_ratio * reference`` (hysteresis: no flicker
  around one threshold). A frame is confident when the target is visible and its score is at
  least ``found_ratio * reference``: a slow change of appearance moves the reference along, a
  sudden drop (occlusion, a jump to a distractor) does not, and nothing is learnt while lost.
* ``"threshold"``: the baseline, visible when the raw score is at least ``score_threshold``.
* ``"none"``: always visible (MMTracking's behaviour).

It costs a few (K,) tensor operations per frame.
"""

import torch

__all__ = ["LostDetector", "VISIBILITY_MODES"]

VISIBILITY_MODES = ("relative", "threshold", "none")


class LostDetector:
    """Per-target visibility from the tracker's raw best scores (module docstring)."""

    def __init__(
        self,
        *,
        mode="relative",
        lost_ratio=0.5,
        found_ratio=0.75,
        reference_momentum=0.1,
        score_threshold=0.5,
    ):
        """
        Args:
            mode (str): ``"relative"``, ``"threshold"`` or ``"none"``.
            lost_ratio (float): relative mode: lost below ``lost_ratio * reference``.
            found_ratio (float): relative mode: found again (and confident) at or above
                ``found_ratio * reference``; ``>= lost_ratio``.
            reference_momentum (float): weight of a confident frame's score in the reference.
            score_threshold (float): threshold mode: visible at or above this raw score.
        """
        if mode not in VISIBILITY_MODES:
            raise ValueError(f"visibility mode must be one of {VISIBILITY_MODES}, got {mode!r}")
        if not 0 <= lost_ratio <= found_ratio:
            raise ValueError(
                f"need 0 <= lost_ratio <= found_ratio, got {lost_ratio}, {found_ratio}"
            )
        self.mode = mode
        self.lost_ratio, self.found_ratio = lost_ratio, found_ratio
        self.reference_momentum = reference_momentum
        self.score_threshold = score_threshold
        self.reset(0)

    def reset(self, num_targets):
        """Start ``num_targets`` visible targets with no reference yet."""
        self.visible = torch.ones(num_targets, dtype=torch.bool)
        self.reference = None

    def update(self, scores):
        """Visibility after this frame.

        Args:
            scores (Tensor): (K,) raw best scores of the frame's candidates.

        Returns:
            Tensor: (K,) bool, also kept in ``self.visible``.
        """
        scores = scores.detach().float().cpu()
        if self.mode == "none":
            self.visible = torch.ones_like(scores, dtype=torch.bool)
        elif self.mode == "threshold":
            self.visible = scores >= self.score_threshold
        else:
            self.visible = self._relative(scores)
        return self.visible.clone()

    def _relative(self, scores):
        if self.reference is None:
            self.reference = scores.clone()
        found = scores >= self.found_ratio * self.reference
        visible = torch.where(self.visible, scores >= self.lost_ratio * self.reference, found)
        confident = visible & found
        m = self.reference_momentum
        self.reference = torch.where(
            confident, (1 - m) * self.reference + m * scores, self.reference
        )
        return visible
