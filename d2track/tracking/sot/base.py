"""The single object tracking (SOT) contract.

A single object tracker follows targets given by boxes on a first frame, with a network that
it is handed on every call (the tracker holds no weights, only per-video state):

1. :meth:`SingleObjectTracker.init` takes the first frame and ``K`` target boxes of one video
   and builds one template per target, in one batched call of the network;
2. :meth:`SingleObjectTracker.track` takes each following frame and returns one row per target;
3. :meth:`SingleObjectTracker.reset` forgets the video (``init`` also starts afresh).

Output ``Instances`` (image size ``(H, W)``, ``K`` rows in target order, on the CPU):

* ``pred_boxes`` (:class:`~detectron2.structures.Boxes`): (K, 4) float32 ``XYXY_ABS``.
* ``scores`` (Tensor): (K,) float32 confidence of each box (the frame given to ``init`` gets 1).
* ``visible`` (Tensor): (K,) bool, False where the tracker believes its target is not in view
  (occluded, out of view, or lost to a distractor).
* ``ID`` (Tensor): (K,) int64 target index, ``0 .. K-1`` in the order of ``init``'s boxes.

Absent targets: a row is never dropped and its box is never empty or NaN. Where ``visible`` is
False the box is the tracker's last or best guess (:class:`SiameseRPNTracker` keeps the last
box it was confident in), so that position-only consumers (OPE metrics, the SOT result files)
always get a box. The ground-truth convention is different: SOT evaluators mark frames where
the target is absent with zero-size boxes (``[0, 0, 0, 0]``); a consumer that wants an
"absent" prediction reads ``visible``.
"""

import numpy as np
import torch
from detectron2.structures import Boxes, Instances

__all__ = ["SingleObjectTracker", "as_image", "as_boxes", "sot_instances"]


def as_image(image):
    """Check a frame: (H, W, C) uint8 ndarray -> the same array."""
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.dtype != np.uint8:
        got = f"{type(image).__name__} {getattr(image, 'shape', '')} {getattr(image, 'dtype', '')}"
        raise ValueError(f"expected an (H, W, C) uint8 ndarray image, got {got}")
    return image


def as_boxes(boxes):
    """Check target boxes: (K, 4) ``XYXY_ABS`` (K >= 1, positive width and height) -> float64."""
    boxes = np.asarray(
        boxes.detach().cpu() if isinstance(boxes, torch.Tensor) else boxes, dtype=np.float64
    )
    if boxes.ndim != 2 or boxes.shape[1] != 4 or len(boxes) == 0:
        raise ValueError(f"init boxes must be (K, 4) XYXY_ABS with K >= 1, got {boxes.shape}")
    bad = ~np.isfinite(boxes).all(axis=1) | (boxes[:, 2] <= boxes[:, 0])
    bad |= boxes[:, 3] <= boxes[:, 1]
    if bad.any():
        raise ValueError(f"init boxes need finite values and positive size: {boxes[bad].tolist()}")
    return boxes


def sot_instances(image_size, boxes, scores, visible):
    """The output ``Instances`` of the contract.

    Args:
        image_size (tuple[int, int]): (H, W).
        boxes (Tensor): (K, 4) ``XYXY_ABS``.
        scores (Tensor): (K,) confidences.
        visible (Tensor): (K,) bool.
    """
    out = Instances(tuple(image_size))
    out.pred_boxes = Boxes(torch.as_tensor(boxes, dtype=torch.float32).reshape(-1, 4).cpu())
    out.scores = torch.as_tensor(scores, dtype=torch.float32).reshape(-1).cpu()
    out.visible = torch.as_tensor(visible, dtype=torch.bool).reshape(-1).cpu()
    out.ID = torch.arange(len(out.scores), dtype=torch.int64)
    return out


class SingleObjectTracker:
    """Base class: argument checks and the per-video lifecycle of a single object tracker.

    Subclasses implement :meth:`_init` and :meth:`_track` and keep every piece of state in the
    object; ``reset`` overrides call ``super().reset()``.
    """

    def __init__(self):
        self.reset()

    def reset(self):
        """Forget the video's targets (call before a new video, or let ``init`` do it)."""
        self.frame_id = -1
        self.num_targets = 0

    def init(self, net, image, boxes):
        """Start tracking ``K`` targets of a new video.

        Args:
            net: the tracker's network (see the subclass for the interface it needs).
            image (ndarray): (H, W, C) uint8 first frame.
            boxes (array or Tensor): (K, 4) ``XYXY_ABS`` target boxes on ``image``.

        Returns:
            Instances: the given boxes as the frame's output (scores 1, all visible).
        """
        image, boxes = as_image(image), as_boxes(boxes)
        self.reset()
        self.frame_id, self.num_targets = 0, len(boxes)
        return self._init(net, image, boxes)

    def track(self, net, image):
        """Track every target into the next frame.

        Args:
            net: the network given to ``init``.
            image (ndarray): (H, W, C) uint8 frame.

        Returns:
            Instances: ``pred_boxes``, ``scores``, ``visible`` and ``ID``, one row per target.
        """
        if self.num_targets == 0:
            raise RuntimeError(f"{type(self).__name__}.track called before init")
        self.frame_id += 1
        return self._track(net, as_image(image))

    def _init(self, net, image, boxes):
        raise NotImplementedError

    def _track(self, net, image):
        raise NotImplementedError
