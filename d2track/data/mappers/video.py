"""Mappers for video training (key frame + references) and for streaming a video at test time.

One mapper serves VID, MOT and VIS training; what differs is a config choice (masks or not,
number of references), not code: e.g. ``L(VideoTrainMapper)(augmentations=..., mask_format=
"bitmask")`` for MaskTrack R-CNN.
"""

import torch

from .common import map_clip

__all__ = ["VideoTrainMapper", "VideoTestMapper", "match_instance_ids"]


def match_instance_ids(key_ids, ref_ids):
    """For each key instance, its index among the reference instances (-1 if absent).

    Args:
        key_ids (Tensor): (N,) int64 instance ids of the key frame.
        ref_ids (Tensor): (M,) int64 instance ids of a reference frame.

    Returns:
        Tensor: (N,) int64.
    """
    same = (key_ids[:, None] == ref_ids[None, :]) & (key_ids[:, None] >= 0)
    if same.shape[1] == 0:
        return torch.full_like(key_ids, -1)
    index = same.to(torch.int64).argmax(dim=1)
    return torch.where(same.any(dim=1), index, torch.full_like(index, -1))


class VideoTrainMapper:
    """Maps ``{"key": dict, "refs": [dict, ...]}`` (from :class:`VideoFrameDataset`) to model input.

    Output: the key frame's dict (``file_name``, ``height``, ``width``, ``video_id``,
    ``frame_id``, ...) with

    * ``image``: uint8 Tensor (C, H, W) and ``instances``: ``gt_boxes`` (N, 4), ``gt_classes``
      (N,), ``gt_instance_ids`` (N,), ``gt_match_indices`` (N, R) int64: index of the same
      instance in each of the R references (-1 if absent), and ``gt_masks`` if ``mask_format``;
    * ``ref_frames``: a list of R dicts of the same shape (without ``gt_match_indices``).

    All frames of a sample share one draw of the augmentations (see :mod:`..transforms`).
    """

    def __init__(self, *, augmentations, image_format="BGR", mask_format=None):
        """
        Args:
            augmentations (list): Detectron2 augmentations, drawn once per sample.
            image_format (str): as Detectron2's ``DatasetMapper``.
            mask_format (str or None): "polygon" or "bitmask" for ``gt_masks`` (VIS); None: boxes.
        """
        self.augmentations = list(augmentations)
        self.image_format = image_format
        self.mask_format = mask_format

    def __call__(self, sample):
        frames = [sample["key"], *sample["refs"]]
        key, *refs = map_clip(
            frames,
            augmentations=self.augmentations,
            image_format=self.image_format,
            mask_format=self.mask_format,
        )
        key_ids = key["instances"].gt_instance_ids
        matches = [match_instance_ids(key_ids, r["instances"].gt_instance_ids) for r in refs]
        empty = torch.empty((len(key_ids), 0), dtype=torch.int64)
        key["instances"].gt_match_indices = torch.stack(matches, dim=1) if matches else empty
        key["ref_frames"] = refs
        return key


class VideoTestMapper:
    """Maps one frame dict (streamed in frame order) to model input, like Detectron2's test mapper.

    Output: the frame's dict with ``image``: uint8 Tensor (C, H, W); ``video_id``, ``frame_id``,
    ``video_length`` are kept so that models can reset per video. If the dict has ``refs``
    (reference frame dicts, e.g. from a test-time :class:`VideoFrameDataset`), they are mapped
    with the same transforms into ``ref_frames``.
    """

    def __init__(self, *, augmentations, image_format="BGR"):
        self.augmentations = list(augmentations)
        self.image_format = image_format

    def __call__(self, sample):
        key = sample["key"] if "key" in sample else sample
        frames = [key, *sample.get("refs", [])]
        key_out, *refs = map_clip(
            frames, augmentations=self.augmentations, image_format=self.image_format, is_train=False
        )
        if "refs" in sample:
            key_out["ref_frames"] = refs
        return key_out
