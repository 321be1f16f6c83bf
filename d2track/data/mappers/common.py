"""Per-frame pieces shared by the video mappers: read, augment as a clip, build ``Instances``."""

import copy

import numpy as np
import torch
from detectron2.data import detection_utils as utils

from ..transforms import augment_clip, transform_clip_annotations

__all__ = ["read_frames", "annotations_to_instances", "map_clip"]


def read_frames(frames, image_format):
    """Read the images of ``frames`` (dataset dicts) as (H, W, C) arrays, checking their size."""
    images = []
    for frame in frames:
        image = utils.read_image(frame["file_name"], format=image_format)
        utils.check_image_size(frame, image)
        images.append(image)
    return images


def annotations_to_instances(annotations, image_size, *, mask_format=None):
    """Detectron2 ``Instances`` of one frame, with ``gt_instance_ids`` (track identities).

    Crowd and ``ignore`` annotations are dropped, as Detectron2's mapper drops crowd ones.

    Args:
        annotations (list[dict]): transformed annotations (``bbox`` in ``XYXY_ABS``).
        image_size (tuple[int, int]): (H, W).
        mask_format (str or None): "polygon" or "bitmask" to add ``gt_masks``; None for boxes only.

    Returns:
        Instances: ``gt_boxes`` (N, 4), ``gt_classes`` (N,), ``gt_instance_ids`` (N,) int64 (-1 if
        unknown), and ``gt_masks`` when asked.
    """
    kept = [a for a in annotations if not a.get("iscrowd", 0) and not a.get("ignore", False)]
    if mask_format is None:
        kept = [{k: v for k, v in a.items() if k != "segmentation"} for a in kept]
    instances = utils.annotations_to_instances(kept, image_size, mask_format=mask_format or "")
    ids = [int(a.get("instance_id", -1)) for a in kept]
    instances.gt_instance_ids = torch.tensor(ids, dtype=torch.int64)
    return utils.filter_empty_instances(instances)  # e.g. boxes cropped away


def map_clip(frames, *, augmentations, image_format, mask_format=None, is_train=True):
    """Read, augment (parameters drawn once) and convert the frames of one sample.

    Args:
        frames (list[dict]): dataset dicts of the sample's frames (not modified).
        augmentations (list): Detectron2 augmentations.
        image_format (str): e.g. "BGR".
        mask_format (str or None): see :func:`annotations_to_instances`.
        is_train (bool): if False, annotations are not converted (test time).

    Returns:
        list[dict]: per frame, the input dict without ``annotations``, plus ``image``: uint8
        Tensor (C, H', W'), and in training ``instances`` (see :func:`annotations_to_instances`).
    """
    images, transforms = augment_clip(augmentations, read_frames(frames, image_format))
    outputs = []
    for frame, image in zip(frames, images):
        out = {k: copy.deepcopy(v) for k, v in frame.items() if k != "annotations"}
        out["image"] = torch.as_tensor(np.ascontiguousarray(image.transpose(2, 0, 1)))
        if is_train:
            size = image.shape[:2]
            annos = transform_clip_annotations(frame.get("annotations", []), transforms, size)
            out["instances"] = annotations_to_instances(annos, size, mask_format=mask_format)
        outputs.append(out)
    return outputs
