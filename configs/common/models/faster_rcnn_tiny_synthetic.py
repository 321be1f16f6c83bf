"""A tiny CPU version of ``faster_rcnn_r50_dc5.py`` for the synthetic VID videos.

Same structure as MMTracking's VID detector (one stride-16 feature, ChannelMapper, single-level
RPN, StandardROIHeads with two shared fc), shrunk to train from scratch on CPU in minutes on
256-px synthetic frames:

* a ResNet-18-style bottom-up (BasicBlock, one block per stage, widths 16/32/64, BN, nothing
  frozen); Detectron2's BasicBlock has no dilation, so the stride-16 output is ``res4`` (res5 is
  dropped) instead of a dilated res5;
* ChannelMapper 64 -> 128; anchors 16..128 px (scales [1, 2, 4, 8] x stride 16), ratios 0.5/1/2;
* 6 classes (``SYNTHETIC_TASKS["vid"]``), 64 RoIs per image, fc 256, fewer proposals
  (pre/post-NMS 600/100 train, 300/50 test);
* BGR input with the ImageNet mean/std, matching the synthetic data configs'
  ``image_format="BGR"``.

All other hyper-parameters (matching, samplers' positive fractions, box weights, losses, test
thresholds) are those of ``faster_rcnn_r50_dc5.py``.
"""

from detectron2.config import LazyCall as L
from detectron2.layers import ShapeSpec
from detectron2.modeling.backbone import BasicStem, ResNet
from detectron2.modeling.backbone.resnet import BasicBlock

from d2track.config import get_config

model = get_config("common/models/faster_rcnn_r50_dc5.py").model

_WIDTHS = (16, 32, 64)  # res2, res3, res4
model.backbone.bottom_up = L(ResNet)(
    stem=L(BasicStem)(in_channels=3, out_channels=_WIDTHS[0], norm="BN"),
    stages=[
        L(ResNet.make_stage)(
            block_class=BasicBlock,
            num_blocks=1,
            stride_per_block=[1 if index == 0 else 2],
            in_channels=_WIDTHS[max(index - 1, 0)],
            out_channels=width,
            norm="BN",
        )
        for index, width in enumerate(_WIDTHS)
    ],
    out_features=["res4"],
    freeze_at=0,
)
model.backbone.in_feature = "res4"
model.backbone.out_channels = 128

rpn = model.proposal_generator
rpn.anchor_generator.sizes = [[16, 32, 64, 128]]
rpn.pre_nms_topk = (600, 300)
rpn.post_nms_topk = (100, 50)

model.roi_heads.num_classes = 6
model.roi_heads.batch_size_per_image = 64
model.roi_heads.box_head.fc_dims = [256, 256]
model.roi_heads.box_predictor.input_shape = L(ShapeSpec)(channels=256)

model.pixel_mean = [103.53, 116.28, 123.675]
model.pixel_std = [57.375, 57.12, 58.395]
model.input_format = "BGR"
