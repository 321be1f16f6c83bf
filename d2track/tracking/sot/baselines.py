"""Baseline single object trackers without a network, to measure learned trackers against.

* :class:`StaticBoxTracker`: the first-frame box, never moved (score 1, always visible): what a
  tracker scores by not tracking at all.
* :class:`TemplateMatchTracker`: OpenCV template matching (``cv2.matchTemplate``,
  ``TM_CCOEFF_NORMED``) of the first-frame target patch over a window around the previous box;
  the box keeps its first-frame size, its score is the match value and it is visible when that
  value reaches a threshold (the plain raw-score baseline of loss-of-target detection).

Both follow :class:`~d2track.tracking.sot.base.SingleObjectTracker` and ignore the ``net``
argument (None is fine), so they run wherever a Siamese tracker does, e.g. as
``model.tracker`` of a SOT model's test loop.
"""

import cv2
import numpy as np

from .base import SingleObjectTracker, sot_instances

__all__ = ["StaticBoxTracker", "TemplateMatchTracker"]


class StaticBoxTracker(SingleObjectTracker):
    """Reports every target's first-frame box on every frame, with score 1 and visible True."""

    def reset(self):
        super().reset()
        self.boxes = None

    def _init(self, net, image, boxes):
        self.boxes = boxes.copy()
        return self._output(image)

    def _track(self, net, image):
        return self._output(image)

    def _output(self, image):
        ones = np.ones(len(self.boxes))
        return sot_instances(image.shape[:2], self.boxes, ones, ones.astype(bool))


class TemplateMatchTracker(SingleObjectTracker):
    """Normalised cross-correlation template matching (OpenCV), one template per target.

    On ``init`` each target's patch (its box rounded to whole pixels) becomes its template, and
    the frame is padded with the first frame's mean colour so that search windows may leave the
    image. On each frame the template is matched (``TM_CCOEFF_NORMED``, all channels) at every
    position of a window around the target's previous box, ``search_margin`` box sides wider
    on each side; the best position is the new box (first-frame size, sub-pixel offset kept, so
    a patch moved by whole pixels is followed exactly), whatever its score: this baseline always
    follows its best match, and ``visible`` only reports whether the score reaches
    ``score_threshold``. A window without texture scores 0.

    State per video: boxes (K, 4) float64 ``XYXY_ABS``, the K templates (h_k, w_k, C) float32,
    the padding colour (C,).
    """

    def __init__(self, *, search_margin=1.0, score_threshold=0.5):
        """
        Args:
            search_margin (float): the search window extends the previous box by this many box
                widths (heights) on the left and right (top and bottom).
            score_threshold (float): visible when the match value is at least this.
        """
        if search_margin < 0:
            raise ValueError(f"search_margin must be >= 0, got {search_margin}")
        self.search_margin = search_margin
        self.score_threshold = score_threshold
        super().__init__()

    def reset(self):
        super().reset()
        self.boxes = self.templates = self.pad_value = None

    def _init(self, net, image, boxes):
        self.pad_value = image.reshape(-1, image.shape[2]).mean(axis=0)
        self.boxes = boxes.copy()
        self.templates = [self._patch(image, box) for box in boxes]
        ones = np.ones(len(boxes))
        return sot_instances(image.shape[:2], self.boxes, ones, ones.astype(bool))

    def _patch(self, image, box):
        """(h, w, C) float32 patch at the rounded box, padded where it leaves the image."""
        x1, y1 = int(round(box[0])), int(round(box[1]))
        w, h = max(1, int(round(box[2] - box[0]))), max(1, int(round(box[3] - box[1])))
        return self._window(image, x1, y1, x1 + w, y1 + h)

    def _window(self, image, x1, y1, x2, y2):
        """Pixels ``[y1, y2) x [x1, x2)`` of ``image`` as float32; outside it the pad colour."""
        height, width = image.shape[:2]
        out = np.empty((y2 - y1, x2 - x1, image.shape[2]), dtype=np.float32)
        out[:] = self.pad_value
        cx1, cy1, cx2, cy2 = max(x1, 0), max(y1, 0), min(x2, width), min(y2, height)
        if cx1 < cx2 and cy1 < cy2:
            out[cy1 - y1 : cy2 - y1, cx1 - x1 : cx2 - x1] = image[cy1:cy2, cx1:cx2]
        return out

    def _track(self, net, image):
        scores = np.zeros(len(self.boxes))
        for k, template in enumerate(self.templates):
            self.boxes[k], scores[k] = self._match(image, self.boxes[k], template)
        visible = scores >= self.score_threshold
        return sot_instances(image.shape[:2], self.boxes, scores, visible)

    def _match(self, image, box, template):
        """The box (4,) at the best match of ``template`` around ``box``, and its value."""
        h, w = template.shape[:2]
        x1, y1 = int(round(box[0])), int(round(box[1]))
        mx, my = int(np.ceil(self.search_margin * w)), int(np.ceil(self.search_margin * h))
        search = self._window(image, x1 - mx, y1 - my, x1 + w + mx, y1 + h + my)
        response = cv2.matchTemplate(search, template, cv2.TM_CCOEFF_NORMED)
        # a flat window (zero variance) gives inf or NaN: no evidence of the target there
        response = np.where(np.isfinite(response), response, 0.0)
        best = response.max()
        # ties (a flat template, a repeated pattern): the position nearest to not moving
        ys, xs = np.nonzero(response == best)
        nearest = int(np.argmin((ys - my) ** 2 + (xs - mx) ** 2))
        dy, dx = int(ys[nearest]), int(xs[nearest])
        shift = np.array([dx - mx, dy - my] * 2, dtype=np.float64)
        return box + shift, float(response[dy, dx])
