"""The ReID model: a CNN backbone, global average pooling and :class:`LinearReIDHead`.

Matches MMTracking 0.x ``mmtrack/models/reid/base_reid.py`` (``BaseReID``: backbone ->
``GlobalAveragePooling`` neck -> ``LinearReIDHead``), the appearance model of DeepSORT and
Tracktor. Trained on identity crops (``configs/reid``); trackers embed detections with
:meth:`ReID.embed_boxes`, which crops and resizes like MMTracking's ``crop_imgs`` (bilinear
resize of each box to the training size) with ``roi_align`` on the whole batch of boxes.
"""

import torch
from detectron2.utils.events import get_event_storage
from torch import nn
from torch.nn import functional as F
from torchvision.ops import roi_align

__all__ = ["ReID"]

_BACKBONE_PREFIX = "backbone."
_DETECTOR_BACKBONE_PREFIX = "backbone.bottom_up."


class ReID(nn.Module):
    """Image crops (B, 3, H, W) -> (B, D) embeddings; trains with cross-entropy + triplet losses."""

    def __init__(
        self,
        *,
        backbone,
        in_features,
        head,
        pixel_mean,
        pixel_std,
        crop_size=(256, 128),
        input_format="BGR",
    ):
        """
        Args:
            backbone (nn.Module): maps a normalised (B, 3, H, W) batch to a dict of feature maps
                (a Detectron2 ``Backbone`` such as ``ResNet``).
            in_features (str): the key of the feature map to pool ("res5" for ResNet-50).
            head (LinearReIDHead): pooled (B, C) features -> (B, D) embeddings, and the losses.
            pixel_mean, pixel_std (list[float]): per-channel normalisation, in the channel order
                of the input images (the mapper's ``image_format``).
            crop_size (tuple[int, int]): (height, width) that :meth:`embed_boxes` resizes boxes
                to; the training crop size.
            input_format (str): "BGR" or "RGB", the channel order of the input images (the
                mapper's ``image_format``); a tracking model converts the frames it embeds.
        """
        super().__init__()
        if not isinstance(in_features, str):
            raise TypeError(f"ReID: in_features must be a str, got {in_features!r}")
        self.backbone = backbone
        self.in_features = in_features
        self.head = head
        self.crop_size = tuple(crop_size)
        if input_format not in ("BGR", "RGB"):
            raise ValueError(f"ReID: input_format must be 'BGR' or 'RGB', got {input_format!r}")
        self.input_format = input_format
        self.register_buffer("pixel_mean", torch.tensor(pixel_mean).view(-1, 1, 1), False)
        self.register_buffer("pixel_std", torch.tensor(pixel_std).view(-1, 1, 1), False)
        self.register_load_state_dict_pre_hook(_accept_detector_backbone_keys)

    @property
    def device(self):
        return self.pixel_mean.device

    def forward(self, batched_inputs):
        """
        Args:
            batched_inputs (list[dict]): each with ``image`` (3, H, W) tensor (uint8 or float,
                0-255, same size for all) and, in training, ``label`` (int).

        Returns:
            dict[str, Tensor] in training: ``loss_cls`` and ``loss_triplet`` (the top-1
            accuracy of the identity classifier goes to the event storage as
            ``reid/cls_accuracy``). In inference: (B, D) embeddings.
        """
        images = torch.stack([x["image"].to(self.device) for x in batched_inputs])
        embeds = self.embed(images)
        if not self.training:
            return embeds
        if any("label" not in x for x in batched_inputs):
            raise KeyError("ReID: every training input needs a 'label'")
        labels = torch.as_tensor([int(x["label"]) for x in batched_inputs], device=self.device)
        losses, accuracy = self.head.losses(embeds, labels)
        if accuracy is not None:
            _put_scalar("reid/cls_accuracy", accuracy)
        return losses

    def embed(self, images):
        """(B, 3, H, W) un-normalised images (0-255) -> (B, D) embeddings."""
        images = (images.float() - self.pixel_mean) / self.pixel_std
        features = self.backbone(images)
        if self.in_features not in features:
            raise KeyError(
                f"ReID: backbone outputs {sorted(features)}, not in_features={self.in_features!r}"
            )
        pooled = F.adaptive_avg_pool2d(features[self.in_features], 1).flatten(1)
        return self.head(pooled)

    def embed_boxes(self, image, boxes):
        """Embed box crops of one image, each bilinearly resized to ``crop_size``.

        Args:
            image (Tensor): (3, H, W), 0-255, in the channel order the model was trained on.
            boxes (Tensor): (M, 4) XYXY boxes in the pixel coordinates of ``image``.

        Returns:
            Tensor: (M, D) embeddings (the model's current train/eval mode applies: trackers
            call this on a model in eval mode).
        """
        if image.dim() != 3 or boxes.dim() != 2 or boxes.shape[1] != 4:
            raise ValueError(
                f"ReID.embed_boxes: image must be (3, H, W) and boxes (M, 4), got "
                f"{tuple(image.shape)} and {tuple(boxes.shape)}"
            )
        if len(boxes) == 0:
            return torch.zeros((0, self.head.out_channels), device=self.device)
        image = image.to(self.device, torch.float32)[None]
        rois = torch.cat([boxes.new_zeros(len(boxes), 1), boxes], dim=1).to(image)
        # One sample per output pixel at its centre = a bilinear resize of the box.
        crops = roi_align(image, rois, self.crop_size, sampling_ratio=1, aligned=True)
        return self.embed(crops)


def _put_scalar(name, value):
    try:
        storage = get_event_storage()
    except AssertionError:  # outside a Detectron2 trainer (e.g. unit tests): nothing to log to
        return
    storage.put_scalar(name, float(value))


def _accept_detector_backbone_keys(module, state_dict, prefix, *args):
    """Load ``backbone.bottom_up.*`` keys into ``backbone.*``.

    ``tools/convert_mmtrack_checkpoint.py --imagenet`` writes the ImageNet ResNet for the VID
    detectors (``backbone.bottom_up``); this lets ``train.init_checkpoint`` take the same file.
    """
    old = prefix + _DETECTOR_BACKBONE_PREFIX
    for key in [k for k in state_dict if k.startswith(old)]:
        state_dict[prefix + _BACKBONE_PREFIX + key[len(old) :]] = state_dict.pop(key)
