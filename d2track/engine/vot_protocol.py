"""The VOT reset (supervised) protocol, as MMTracking 0.x runs it, over any tracker.

MMTracking 0.x ``SiamRPN.simple_test_vot`` (``mmtrack/models/sot/siamrpn.py``), per frame ``t``
of a video:

* ``t`` is the (re-)initialisation frame (frame 0, then 5 frames after each failure): the
  tracker is initialised on the ground truth of ``t``; the frame's result is the code ``[1]``;
* ``t`` comes before the re-initialisation frame: the tracker does not run; code ``[0]``;
* otherwise the tracker tracks; if the VOT-toolkit overlap (:func:`~d2track.evaluation.sot.
  vot_metrics.region_overlaps`, bounded by the image) of its box with the ground truth region
  (box or polygon) is 0, the frame is a failure, code ``[2]``, and the tracker is
  re-initialised on frame ``t + 5``; else the frame's result is the box.

A failure within the last 5 frames leaves the rest of the video ``[0]``. Initialisation boxes
come from the ground truth as MMTracking's ``quad2bbox`` makes them: a box as it is; a
4-corner polygon as the box centred on the corners' mean whose sides are those of the corners'
bounding box times ``sqrt(|p1 p2| |p2 p3| / bounding box area)`` (the same area), in float32.
One deviation, unreachable on VOT datasets: where the ground truth of a re-initialisation
frame is empty (a zero-size box), MMTracking would start from it; here the frame is ``[0]`` and
the re-initialisation moves to the next frame.

The outputs are what :class:`~d2track.evaluation.sot.evaluator.VOTEvaluator` takes per frame:
``{"vot_code": 1 | 2 | 0}`` or ``{"instances": Instances}`` (the tracker's output).
"""

import numpy as np
import torch
from detectron2.structures import Boxes, Instances

from d2track.evaluation.sot.vot_metrics import region_overlaps

__all__ = [
    "VOT_FAILURE",
    "VOT_INIT",
    "VOT_SKIPPED",
    "VOTReset",
    "tracker_step",
    "vot_init_box",
    "vot_protocol",
]

VOT_INIT, VOT_FAILURE, VOT_SKIPPED = 1, 2, 0


def vot_init_box(region):
    """The initialisation box of a ground-truth region, as MMTracking's ``quad2bbox``.

    Args:
        region (array): ``(x, y, w, h)`` box or 8-value ``(x1, y1, ..., x4, y4)`` polygon.

    Returns:
        ndarray: (4,) float64 ``XYXY_ABS`` (for a polygon: exactly its float32 box).
    """
    r = np.asarray(region, dtype=np.float64).reshape(-1)
    if len(r) == 4:
        return np.array([r[0], r[1], r[0] + r[2], r[1] + r[3]])
    if len(r) != 8:
        raise ValueError(f"a VOT region has 4 (box) or 8 (polygon) values, got {len(r)}")
    q = torch.as_tensor(r, dtype=torch.float32)
    xs, ys = q[0::2], q[1::2]
    corner_area = torch.norm(q[0:2] - q[2:4]) * torch.norm(q[2:4] - q[4:6])
    box_area = (xs.max() - xs.min()) * (ys.max() - ys.min())
    scale = torch.sqrt(corner_area / box_area)
    w, h = scale * (xs.max() - xs.min()), scale * (ys.max() - ys.min())
    cx, cy, w, h = (float(v) for v in (xs.mean(), ys.mean(), w, h))
    return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])


def _valid(box):
    return bool(np.isfinite(box).all() and box[2] > box[0] and box[3] > box[1])


def _as_instances(result, image_size):
    """A step's result (Instances, or a (4,) ``XYXY_ABS`` box) as Instances."""
    if isinstance(result, Instances):
        return result
    out = Instances(image_size)
    out.pred_boxes = Boxes(torch.as_tensor(result, dtype=torch.float32).reshape(1, 4))
    out.scores = torch.ones(1)
    return out


def _xywh(instances):
    """The (4,) float64 ``(x, y, w, h)`` of the highest-scoring row (the evaluator's choice)."""
    instances = instances.to("cpu")
    best = int(instances.scores.argmax()) if instances.has("scores") else 0
    x1, y1, x2, y2 = instances.pred_boxes.tensor[best].double().tolist()
    return np.array([x1, y1, x2 - x1, y2 - y1])


class VOTReset:
    """The reset protocol of one video, frame by frame (module docstring).

    Call it on every frame in order; :meth:`reset` (or frame 0) starts a new video.
    """

    def __init__(self, *, skip_frames=5):
        self.skip_frames = skip_frames
        self.reset()

    def reset(self):
        self.init_frame = 0

    def __call__(self, t, gt, step, *, width, height):
        """The output of frame ``t`` (see :func:`vot_protocol` for ``gt`` and ``step``)."""
        if t == 0:
            self.reset()
        if t < self.init_frame:
            return {"vot_code": VOT_SKIPPED}
        if t == self.init_frame:
            box = vot_init_box(gt)
            if not _valid(box):
                if t == 0:
                    raise ValueError(f"frame 0: cannot initialise on ground truth {list(gt)}")
                self.init_frame += 1
                return {"vot_code": VOT_SKIPPED}
            step(t, box)
            return {"vot_code": VOT_INIT}
        instances = _as_instances(step(t, None), (height, width))
        gt = np.asarray(gt, dtype=np.float64)
        overlap = region_overlaps([_xywh(instances)], [gt], image_size=(width, height))[0]
        if overlap <= 0:
            self.init_frame = t + self.skip_frames
            return {"vot_code": VOT_FAILURE}
        return {"instances": instances}


def vot_protocol(gt_regions, step, *, width, height, skip_frames=5):
    """Run one video under the VOT reset protocol (module docstring).

    Args:
        gt_regions (array or list): (T, 4) ``(x, y, w, h)`` boxes or (T, 8) polygons (as
            :func:`~d2track.evaluation.sot.evaluator.sot_ground_truth` gives them).
        step (callable): ``step(frame_id, init_box)``: with ``init_box`` a (4,) ``XYXY_ABS``
            float64 box, initialise the tracker on frame ``frame_id`` (the result is ignored);
            with None, track into frame ``frame_id`` and return its ``Instances`` (the
            highest-scoring row is the tracker's box) or a (4,) ``XYXY_ABS`` box.
        width, height (int): frame size, bounding the overlaps.
        skip_frames (int): a failure at ``t`` re-initialises at ``t + skip_frames``.

    Returns:
        list[dict]: per frame ``{"vot_code": 1 | 2 | 0}`` or ``{"instances": Instances}``.
    """
    protocol = VOTReset(skip_frames=skip_frames)
    return [protocol(t, gt, step, width=width, height=height) for t, gt in enumerate(gt_regions)]


def tracker_step(tracker, net, frames):
    """The ``step`` of :func:`vot_protocol` for a single object tracker (one target).

    Args:
        tracker: a :class:`~d2track.tracking.sot.SingleObjectTracker` (duck-typed).
        net: its network.
        frames: a sequence of (H, W, C) uint8 frames, or ``frame_id -> frame`` (e.g. a reader
            that loads only the frames the protocol visits).
    """

    def step(frame_id, init_box):
        image = frames(frame_id) if callable(frames) else frames[frame_id]
        if init_box is not None:
            return tracker.init(net, image, np.asarray(init_box, dtype=np.float64)[None])
        return tracker.track(net, image)

    return step
