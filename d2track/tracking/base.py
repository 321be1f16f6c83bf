"""The tracker contract every d2track tracker follows, and the bookkeeping they share.

A tracker is a post-processor on Detectron2 ``Instances``: it keeps all its state in the object,
:meth:`BaseTracker.reset` starts a new video, and :meth:`BaseTracker.update` takes one frame's
detections and returns the detections it keeps, each with an integer ``ID`` (a track identity,
unique within the video, starting at 0). Trackers are built by LazyConfig
(``model.tracker = L(ByteTracker)(...)``) and can be used behind any Detectron2 detector or on
their own (for example on public detections).

Input ``Instances`` fields (one frame, ``N`` detections):

* ``pred_boxes`` (:class:`~detectron2.structures.Boxes`): (N, 4) ``XYXY_ABS``.
* ``scores`` (Tensor): (N,) detection confidences.
* ``pred_classes`` (Tensor): (N,) int64 category ids; trackers only associate detections with
  tracks of the same category (category-aware tracking).
* ``embeds`` (Tensor, optional): (N, D) appearance embeddings, for appearance-based trackers.

Output ``Instances``: the kept input rows (all their fields, same image size) plus ``ID`` (N',)
int64. Trackers that move boxes (Kalman-smoothed or regressed) say so in their docstring.

Keyword arguments of ``update`` (``frame_context``) carry what some trackers need besides the
detections; a tracker ignores the ones it does not use:

* ``frame_id`` (int): 0-based frame index in the video; default: one more than the last call.
* ``video`` (str or int): the video's name (or id), e.g. to key a camera motion cache
  (:class:`~d2track.tracking.motion.CachedCMC`).
* ``image`` (ndarray): (H, W, 3) BGR uint8 frame, for camera motion compensation.
* ``box_regressor`` (callable): ``boxes (M, 4) Tensor -> (boxes (M, 4), scores (M,))``, the
  detector's box head applied to given boxes on this frame (Tracktor).
* ``embedder`` (callable): ``boxes (M, 4) Tensor -> embeds (M, D)``, a ReID model applied to
  crops of this frame (Tracktor re-identification, DeepSORT without precomputed embeds).
"""

import torch
from detectron2.structures import Instances

__all__ = ["BaseTracker", "check_detections", "select_tracked"]

_REQUIRED = ("pred_boxes", "scores", "pred_classes")


def check_detections(instances, *, need_embeds=False, tracker="tracker"):
    """Raise a ``ValueError`` naming the missing field if ``instances`` cannot be tracked.

    Args:
        instances (Instances): one frame's detections.
        need_embeds (bool): also require ``embeds`` (N, D).
        tracker (str): name used in the message.
    """
    if not isinstance(instances, Instances):
        raise TypeError(f"{tracker}.update expects detectron2 Instances, got {type(instances)}")
    required = _REQUIRED + (("embeds",) if need_embeds else ())
    missing = [k for k in required if not instances.has(k)]
    if missing:
        raise ValueError(
            f"{tracker}.update: detections lack field(s) {missing}; have "
            f"{sorted(instances.get_fields())}"
        )
    if need_embeds and len(instances) and instances.embeds.dim() != 2:
        raise ValueError(
            f"{tracker}.update: 'embeds' must be (N, D), got {tuple(instances.embeds.shape)}"
        )


class BaseTracker:
    """Frame counter, identity allocation and ``reset`` for all trackers.

    Subclasses set ``needs_embeds`` and implement :meth:`_track`; :meth:`update` validates the
    input and advances ``frame_id`` first. ``reset`` overrides call ``super().reset()``.
    """

    #: True if ``update`` needs ``instances.embeds`` (appearance matching).
    needs_embeds = False
    #: True if ``update`` needs this frame's detector (``box_regressor``): its inputs cannot be
    #: cached and replayed (e.g. by a parameter search).
    needs_frame_features = False
    #: True if ``update`` reads ``image`` (the BGR frame), e.g. for camera motion compensation.
    needs_image = False

    def __init__(self):
        self.reset()

    def reset(self):
        """Forget all tracks and restart identities at 0 (call at the start of every video)."""
        self.frame_id = -1
        self._next_id = 0

    def new_ids(self, n):
        """``n`` fresh track identities: (n,) int64, never reused within the video."""
        ids = torch.arange(self._next_id, self._next_id + n, dtype=torch.int64)
        self._next_id += n
        return ids

    def update(self, instances, **frame_context):
        """Track one frame.

        Args:
            instances (Instances): this frame's detections (fields in the module docstring).
            frame_context: ``frame_id`` and the per-tracker extras of the module docstring.

        Returns:
            Instances: the kept detections with ``ID`` (N',) int64.
        """
        check_detections(instances, need_embeds=self.needs_embeds, tracker=type(self).__name__)
        frame_id = frame_context.pop("frame_id", None)
        self.frame_id = self.frame_id + 1 if frame_id is None else int(frame_id)
        return self._track(instances, **frame_context)

    def _track(self, instances, **frame_context):
        """Associate this frame's detections with the tracks; return the output ``Instances``.

        Most trackers end with :func:`select_tracked`.
        """
        raise NotImplementedError


def select_tracked(instances, ids, boxes=None):
    """The detections with a track id, in input order, with ``ID`` set.

    Args:
        instances (Instances): (N) one frame's detections.
        ids (Tensor): (N,) track id per detection, -1 for detections not output.
        boxes (Tensor or None): (N, 4) output boxes replacing ``pred_boxes`` (e.g. Kalman
            smoothed), or None to keep the detected boxes.

    Returns:
        Instances: (N') rows with ``ids >= 0`` and ``ID`` (N',) int64.
    """
    ids = torch.as_tensor(ids, dtype=torch.int64, device=instances.scores.device)
    keep = ids >= 0
    if keep.all():  # a new Instances sharing the tensors: no copy of large fields (masks)
        out = Instances(instances.image_size, **instances.get_fields())
    else:
        out = instances[keep]
    if boxes is not None:
        out.pred_boxes = type(instances.pred_boxes)(torch.as_tensor(boxes)[keep])
    out.ID = ids[keep]
    return out
