"""Dataset dict -> model input for ReID crops.

MMTracking 0.x ``configs/_base_/datasets/mot_challenge_reid.py``: every crop is resized to
128x256 (width x height) ignoring its aspect ratio; training flips horizontally with
probability 0.5. Normalisation happens in the model (:class:`~d2track.modeling.reid.ReID`), as
in Detectron2.
"""

import copy

import detectron2.data.transforms as T
import numpy as np
import torch
from detectron2.data import detection_utils as utils

__all__ = ["ReIDMapper"]


class ReIDMapper:
    """Reads, resizes and (in training) flips one ReID crop."""

    def __init__(self, *, is_train, height=256, width=128, flip=True, image_format="BGR"):
        """
        Args:
            is_train (bool): training adds the random horizontal flip.
            height, width (int): output size.
            flip (bool): flip with probability 0.5 in training.
            image_format (str): channel order of the output, as Detectron2's ``DatasetMapper``
                ("BGR", "RGB"); must match the model's ``pixel_mean``/``pixel_std``.
        """
        augmentations = [T.Resize((height, width))]
        if is_train and flip:
            augmentations.append(T.RandomFlip(horizontal=True))
        self.augmentations = T.AugmentationList(augmentations)
        self.image_format = image_format

    def __call__(self, dataset_dict):
        """
        Args:
            dataset_dict (dict): ``file_name``, ``label`` and ``image_id`` (see
                :func:`~d2track.data.reid.load_reid_list`).

        Returns:
            dict: ``image`` (3, height, width) uint8 tensor, ``label`` (int), ``image_id`` and
            ``file_name``.
        """
        dataset_dict = copy.copy(dataset_dict)
        image = utils.read_image(dataset_dict["file_name"], format=self.image_format)
        aug_input = T.AugInput(image)
        self.augmentations(aug_input)
        image = np.ascontiguousarray(aug_input.image.transpose(2, 0, 1))
        dataset_dict["image"] = torch.as_tensor(image)
        dataset_dict["label"] = int(dataset_dict["label"])
        return dataset_dict
