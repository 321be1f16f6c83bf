"""SiamRPN++ (`Li et al., CVPR 2019 <https://arxiv.org/abs/1812.11703>`_), MMTracking 0.x
``SiamRPN`` as configured by ``configs/sot/siamese_rpn/siamese_rpn_r50_20e_lasot.py``.

Input format: MMTracking 0.x feeds the network raw **BGR** pixel values in [0, 255] as floats
(``LoadImageFromFile(to_float32=True)``, no ``Normalize`` step in its SiamRPN++ pipelines), so
the defaults are ``input_format="BGR"``, ``pixel_mean=(0, 0, 0)``, ``pixel_std=(1, 1, 1)``;
converted weights expect exactly that. Images given to this model are unnormalised pixels in
``input_format``; it normalises them with its ``pixel_mean`` / ``pixel_std`` buffers.

The tracker-facing interface (the SOT tracker does the crops, penalties and window):

* :meth:`SiamRPNpp.template_features`: (N, C, 127, 127) -> per level (N, 256, 7, 7);
* :meth:`SiamRPNpp.search_outputs`: features + (N, C, 255, 255) -> scores (N, A, H, W),
  boxes (N, A, H, W, 4) ``(cx, cy, w, h)`` in search crop pixels, origin at the crop centre;
* attributes ``template_size``, ``search_size``, ``score_size``, ``num_anchors``,
  ``anchor_stride``, ``input_format`` and the ``anchors`` buffer (A, H, W, 4) ``XYXY``.

MMTracking flattens scores ``(i * W + j) * A + a`` (``permute(H, W, A)``), and its Hanning
window (``np.outer(hanning(H), hanning(W)).flatten().repeat(A)``) gives that index the
value ``hanning(H)[i] * hanning(W)[j]``: in this model's (A, H, W) layout the window of anchor
``a`` at cell ``(i, j)`` is ``hanning(H)[i] * hanning(W)[j]`` for every ``a``; use
``scores.permute(0, 2, 3, 1).reshape(N, -1)`` to reproduce its argmax order (ties included).
"""

import torch
from detectron2.modeling.box_regression import Box2BoxTransform
from detectron2.modeling.matcher import Matcher
from torch import nn

from d2track.engine.sot_inference import SOTTestProtocol

from .anchors import siamrpn_anchors
from .loss import negative_pair_targets, positive_pair_targets, siamrpn_losses

__all__ = ["SiamRPNpp"]


class SiamRPNpp(nn.Module):
    """Siamese backbone + neck + multi-level depthwise-correlation RPN head."""

    def __init__(
        self,
        *,
        backbone,
        neck,
        head,
        template_size=127,
        search_size=255,
        anchor_stride=8,
        anchor_ratios=(0.33, 0.5, 1.0, 2.0, 3.0),
        anchor_scales=(8,),
        pixel_mean=(0.0, 0.0, 0.0),
        pixel_std=(1.0, 1.0, 1.0),
        input_format="BGR",
        matcher=None,
        box2box_transform=None,
        batch_size_per_image=64,
        positive_fraction=0.25,
        num_neg=16,
        bbox_loss_weight=1.2,
        tracker=None,
        test_protocol=None,
    ):
        """
        Args:
            backbone (SOTResNet): returns the levels the neck takes, in order.
            neck (ChannelMapperNeck): maps and crops them.
            head (SiameseRPNHead): with ``num_anchors = len(anchor_ratios) * len(anchor_scales)``.
            template_size, search_size (int): crop sides (127, 255).
            anchor_stride, anchor_ratios, anchor_scales: of :func:`~.anchors.siamrpn_anchors`.
            pixel_mean, pixel_std (tuple[float]): per channel of ``input_format`` images.
            input_format (str): "BGR" (MMTracking) or "RGB".
            matcher (Matcher or None): default ``Matcher([0.3, 0.6], [0, -1, 1])``.
            box2box_transform (Box2BoxTransform or None): default weights (1, 1, 1, 1).
            batch_size_per_image, positive_fraction: anchors sampled in a positive pair.
            num_neg (int): anchors sampled in a negative pair.
            bbox_loss_weight (float): factor of the L1 loss.
            tracker (SingleObjectTracker or None): what eval mode tracks with (crops, penalty,
                window, visibility), e.g. :class:`~d2track.tracking.sot.SiameseRPNTracker`.
            test_protocol (SOTTestProtocol or None): OPE (default) or the VOT reset protocol.
        """
        super().__init__()
        self.backbone, self.neck, self.head = backbone, neck, head
        self.template_size, self.search_size = template_size, search_size
        self.anchor_stride, self.input_format = anchor_stride, input_format
        self.score_size = backbone.output_size(search_size) - neck.center_size + 1
        anchors = siamrpn_anchors(
            score_size=self.score_size,
            stride=anchor_stride,
            ratios=anchor_ratios,
            scales=anchor_scales,
        )
        self.num_anchors = anchors.shape[0]
        if head.num_anchors != self.num_anchors:
            raise ValueError(f"head has {head.num_anchors} anchors, generator {self.num_anchors}")
        self.register_buffer("anchors", anchors, persistent=False)
        self.register_buffer("pixel_mean", torch.tensor(pixel_mean).view(-1, 1, 1), False)
        self.register_buffer("pixel_std", torch.tensor(pixel_std).view(-1, 1, 1), False)
        self.matcher = matcher or Matcher([0.3, 0.6], [0, -1, 1], allow_low_quality_matches=False)
        self.box2box_transform = box2box_transform or Box2BoxTransform(weights=(1.0,) * 4)
        self.batch_size_per_image, self.positive_fraction = batch_size_per_image, positive_fraction
        self.num_neg, self.bbox_loss_weight = num_neg, bbox_loss_weight
        self.tracker = tracker
        self.test_protocol = test_protocol or SOTTestProtocol()

    @property
    def device(self):
        return self.pixel_mean.device

    def _features(self, images, size):
        if images.shape[-2:] != (size, size):
            raise ValueError(f"expected (N, C, {size}, {size}) images, got {tuple(images.shape)}")
        images = (images.to(self.device, torch.float32) - self.pixel_mean) / self.pixel_std
        return self.neck(list(self.backbone(images).values()))

    def template_features(self, templates):
        """
        Args:
            templates (Tensor): (N, C, 127, 127) float32 unnormalised pixels (``input_format``).

        Returns:
            list[Tensor]: per level (N, 256, 7, 7), the neck output's centre crop.
        """
        return self.neck.crop_template(self._features(templates, self.template_size))

    def search_features(self, searches):
        """(N, C, 255, 255) unnormalised pixels -> per level (N, 256, 31, 31)."""
        return self._features(searches, self.search_size)

    def search_outputs(self, template_feats, searches):
        """Scores and decoded boxes of every anchor; sample n uses template n.

        Args:
            template_feats (list[Tensor]): from :meth:`template_features`, per level
                (N, 256, 7, 7) (N independent targets).
            searches (Tensor): (N, C, 255, 255) float32 unnormalised pixels.

        Returns:
            tuple[Tensor, Tensor]: scores (N, A, H, W), the foreground probability (softmax
            over background, foreground); boxes (N, A, H, W, 4) ``(cx, cy, w, h)`` in search
            crop pixels with the crop centre at (0, 0) (MMTracking's ``get_bbox`` decoding).
        """
        return self.decode(*self.head(template_feats, self.search_features(searches)))

    def decode(self, cls, reg):
        """Head maps (N, 2A, H, W), (N, 4A, H, W) -> scores, boxes of :meth:`search_outputs`."""
        n, _, h, w = cls.shape
        scores = cls.view(n, 2, -1, h, w).softmax(dim=1)[:, 1]
        deltas = reg.view(n, 4, -1, h, w).permute(0, 2, 3, 4, 1).reshape(-1, 4)
        anchors = self.anchors.expand(n, -1, -1, -1, -1).reshape(-1, 4)
        xyxy = self.box2box_transform.apply_deltas(deltas, anchors)
        boxes = torch.cat([(xyxy[:, :2] + xyxy[:, 2:]) / 2, xyxy[:, 2:] - xyxy[:, :2]], dim=1)
        return scores, boxes.view(n, -1, h, w, 4)

    def forward(self, batched_inputs):
        """
        Args:
            batched_inputs (list[dict]): in training, :class:`~d2track.data.mappers.sot.
                SOTTrainMapper` outputs (``template`` float32 (C, 127, 127), ``search`` float32
                (C, 255, 255), ``search_box`` (4,) ``XYXY`` crop pixels, ``is_positive``).

        Returns:
            dict[str, Tensor] or list[dict]: in training, the losses
            (:func:`~.loss.siamrpn_losses`); in eval mode, per frame outputs
            (:meth:`inference`).
        """
        if self.training:
            return self.losses(batched_inputs)
        return self.inference(batched_inputs)

    def inference(self, batched_inputs):
        """Eval mode: track each frame (videos in frame order) with ``tracker``.

        Args:
            batched_inputs (list[dict]): :class:`~d2track.data.mappers.sot.SOTTestMapper`
                outputs.

        Returns:
            list[dict]: per frame, the ``test_protocol``'s output (``{"instances": ...}`` with
            ``pred_boxes``, ``scores``, ``visible``; or a VOT code).
        """
        if self.tracker is None:
            raise ValueError(
                "SiamRPNpp needs a tracker to run in eval mode: "
                "model.tracker = L(SiameseRPNTracker)(...)"
            )
        return [self.test_protocol(self.tracker, self, x) for x in batched_inputs]

    def losses(self, batched_inputs):
        """Loss dict of a batch of template/search pairs (see :mod:`.loss`)."""
        templates = torch.stack([x["template"] for x in batched_inputs])
        searches = torch.stack([x["search"] for x in batched_inputs])
        cls, reg = self.head(self.template_features(templates), self.search_features(searches))
        if cls.shape[-1] != self.score_size:
            raise ValueError(f"score map {tuple(cls.shape)}, expected side {self.score_size}")
        targets = [self._targets(x) for x in batched_inputs]
        labels, cls_w, deltas, reg_w = (torch.stack(t) for t in zip(*targets))
        n = len(batched_inputs)
        return siamrpn_losses(
            cls, reg, labels, cls_w / n, deltas, reg_w / n, bbox_loss_weight=self.bbox_loss_weight
        )

    def _targets(self, sample):
        box = torch.as_tensor(sample["search_box"], dtype=torch.float32, device=self.device)
        if sample["is_positive"]:
            return positive_pair_targets(
                self.anchors.view(-1, 4) + self.search_size // 2,
                box,
                matcher=self.matcher,
                box2box_transform=self.box2box_transform,
                batch_size=self.batch_size_per_image,
                positive_fraction=self.positive_fraction,
            )
        return negative_pair_targets(
            box,
            num_anchors=self.num_anchors,
            score_size=self.score_size,
            stride=self.anchor_stride,
            search_size=self.search_size,
            num_neg=self.num_neg,
        )
