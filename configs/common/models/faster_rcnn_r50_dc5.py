"""Faster R-CNN R50-DC5 + ChannelMapper: the still-image detector of MMTracking's VID configs.

Reproduces MMTracking's ``configs/_base_/models/faster_rcnn_r50_dc5.py`` (the detector of DFF,
FGFA, SELSA and Temporal RoI Align on ImageNet VID):

* ResNet-50, torchvision weights (``style="pytorch"``: stride on the 3x3 conv), res5 dilated
  (stride 16, dilation 2 in all three blocks as MMCV's ResLayer; torchvision's
  ``replace_stride_with_dilation`` leaves block 0 undilated); stem + res2 frozen
  (``frozen_stages=1`` -> ``freeze_at=2``);
* ChannelMapper 2048 -> 512 (3x3 conv + ReLU), one feature ``"mapped"`` at stride 16;
* RPN: 512-channel 3x3 conv; anchors scales [4, 8, 16, 32] x stride 16 = sizes 64..512, ratios
  0.5/1/2, centred at ``offset=0``; IoU 0.7/0.3 with low-quality matches; 256 anchors at 0.5
  positive; anchors crossing the image border ignored (``allowed_border=0``); SmoothL1 beta 1/9;
  pre/post-NMS top-k 6000/600 (train) and 6000/300 (test), NMS 0.7;
* RoI head: RoIAlign (MMCV's ``aligned=True`` = ROIAlignV2) 7x7, sampling ratio 2, scale 1/16;
  two shared fc of 1024 (``Shared2FCBBoxHead``); 30 classes with class-specific regression
  (``reg_class_agnostic=False``); deltas with ``target_stds`` 0.2 -> weights (5, 5, 5, 5);
  SmoothL1 beta 1; 256 RoIs per image at 0.25 positive, gt boxes appended; test score 1e-4,
  NMS 0.5, 100 detections;
* input: RGB with ImageNet mean/std in 0-255 (MMTracking's ``img_norm_cfg``, ``to_rgb=True``),
  what torchvision/MMCV ImageNet weights expect. Set ``image_format="RGB"`` in the data mappers.

Deliberate differences (Detectron2 conventions):

* FrozenBN everywhere: MMTracking keeps BN in eval mode (``norm_eval=True``) but still trains the
  BN affine parameters of res3..res5; here they are frozen too.
* RPN matching: MMDetection's ``min_pos_iou=0.3`` for low-quality matches is not reproduced (a
  gt's best anchors are positive at any IoU) and border anchors are ignored after matching
  rather than before.
* Losses are normalised by ``batch_size_per_image x images`` (RPN) and by the sampled RoIs, as
  MMDetection does when the samplers are full; fc layers use Detectron2's initialisation.

Bigger backbones (as MMTracking's ``*_r101_dc5*`` / ``*_x101_dc5*`` configs)::

    model.backbone.bottom_up.stages.depth = 101                  # ResNet-101
    model.backbone.bottom_up.stages.depth = 101                  # ResNeXt-101 64x4d:
    model.backbone.bottom_up.stages.num_groups = 64
    model.backbone.bottom_up.stages.width_per_group = 4
"""

from detectron2.config import LazyCall as L
from detectron2.layers import ShapeSpec
from detectron2.modeling.anchor_generator import DefaultAnchorGenerator
from detectron2.modeling.backbone import BasicStem, ResNet
from detectron2.modeling.box_regression import Box2BoxTransform
from detectron2.modeling.matcher import Matcher
from detectron2.modeling.meta_arch import GeneralizedRCNN
from detectron2.modeling.poolers import ROIPooler
from detectron2.modeling.proposal_generator import RPN, StandardRPNHead
from detectron2.modeling.roi_heads import FastRCNNConvFCHead, FastRCNNOutputLayers, StandardROIHeads

from d2track.modeling.backbone import ChannelMapper, make_resnet_stages

model = L(GeneralizedRCNN)(
    backbone=L(ChannelMapper)(
        bottom_up=L(ResNet)(
            stem=L(BasicStem)(in_channels=3, out_channels=64, norm="FrozenBN"),
            stages=L(make_resnet_stages)(
                depth=50, norm="FrozenBN", stride_in_1x1=False, res5_dilation=2
            ),
            out_features=["res5"],
            freeze_at=2,
        ),
        in_feature="res5",
        out_channels=512,
        kernel_size=3,
        out_feature="mapped",
    ),
    proposal_generator=L(RPN)(
        in_features=["mapped"],
        head=L(StandardRPNHead)(in_channels="${...backbone.out_channels}", num_anchors=12),
        anchor_generator=L(DefaultAnchorGenerator)(
            sizes=[[64, 128, 256, 512]],
            aspect_ratios=[0.5, 1.0, 2.0],
            strides=[16],
            offset=0.0,
        ),
        anchor_matcher=L(Matcher)(
            thresholds=[0.3, 0.7], labels=[0, -1, 1], allow_low_quality_matches=True
        ),
        box2box_transform=L(Box2BoxTransform)(weights=[1.0, 1.0, 1.0, 1.0]),
        batch_size_per_image=256,
        positive_fraction=0.5,
        pre_nms_topk=(6000, 6000),
        post_nms_topk=(600, 300),
        nms_thresh=0.7,
        anchor_boundary_thresh=0.0,
        smooth_l1_beta=1.0 / 9.0,
    ),
    roi_heads=L(StandardROIHeads)(
        num_classes=30,
        batch_size_per_image=256,
        positive_fraction=0.25,
        proposal_matcher=L(Matcher)(
            thresholds=[0.5], labels=[0, 1], allow_low_quality_matches=False
        ),
        box_in_features=["mapped"],
        box_pooler=L(ROIPooler)(
            output_size=7,
            scales=(1.0 / 16,),
            sampling_ratio=2,
            pooler_type="ROIAlignV2",
        ),
        box_head=L(FastRCNNConvFCHead)(
            input_shape=L(ShapeSpec)(channels="${....backbone.out_channels}", height=7, width=7),
            conv_dims=[],
            fc_dims=[1024, 1024],
        ),
        box_predictor=L(FastRCNNOutputLayers)(
            input_shape=L(ShapeSpec)(channels=1024),
            box2box_transform=L(Box2BoxTransform)(weights=(5.0, 5.0, 5.0, 5.0)),
            num_classes="${..num_classes}",
            cls_agnostic_bbox_reg=False,
            smooth_l1_beta=1.0,
            test_score_thresh=1e-4,
            test_nms_thresh=0.5,
            test_topk_per_image=100,
        ),
    ),
    pixel_mean=[123.675, 116.28, 103.53],
    pixel_std=[58.395, 57.12, 57.375],
    input_format="RGB",
)
