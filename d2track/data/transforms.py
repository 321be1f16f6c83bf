"""Clip-consistent augmentation on top of ``detectron2.data.transforms``.

A video sample (a key frame and its references, or a clip) is augmented as one: the random
parameters of every augmentation are drawn once, on the first frame, and the resulting
:class:`~detectron2.data.transforms.TransformList` is applied to every frame and to every frame's
boxes and masks. Any Detectron2 augmentation works (resize, flip, crop, photometric ones): a
photometric augmentation that looks at the image (e.g. ``RandomContrast``) computes its
parameters from the first frame and applies them unchanged to the others.
"""

import copy

from detectron2.data import detection_utils as utils
from detectron2.data import transforms as T

__all__ = ["augment_clip", "transform_clip_annotations"]


def augment_clip(augmentations, images):
    """Augment frames of one sample with parameters drawn once.

    Args:
        augmentations (list[Augmentation or Transform]): as for Detectron2's ``DatasetMapper``.
        images (list[np.ndarray]): frames of shape (H, W, C), all of the same size.

    Returns:
        tuple[list[np.ndarray], TransformList]: the augmented frames (all of shape
        (H', W', C)) and the transforms applied to each of them.
    """
    if not images:
        raise ValueError("augment_clip needs at least one frame")
    sizes = sorted({tuple(image.shape[:2]) for image in images})
    if len(sizes) > 1:
        raise ValueError(f"frames of one sample must have the same (H, W), got {sizes}")
    aug_input = T.AugInput(images[0])
    transforms = T.AugmentationList(augmentations)(aug_input)
    return [aug_input.image] + [transforms.apply_image(im) for im in images[1:]], transforms


def transform_clip_annotations(annotations, transforms, image_size):
    """Transform one frame's annotations (boxes, polygons or RLE masks) by ``transforms``.

    Crowd regions are kept (Detectron2 drops them in its mapper; trackers need them as ignore
    regions); every other field, e.g. ``instance_id``, ``visibility``, ``ignore``, is kept.

    Args:
        annotations (list[dict]): Detectron2 annotation dicts of one frame (not modified).
        transforms (TransformList): from :func:`augment_clip`.
        image_size (tuple[int, int]): (H', W') of the augmented frame.

    Returns:
        list[dict]: new annotation dicts with ``bbox`` in ``XYXY_ABS``.
    """
    return [
        utils.transform_instance_annotations(copy.deepcopy(obj), transforms, image_size)
        for obj in annotations
    ]
