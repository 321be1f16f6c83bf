"""MaskTrack R-CNN X101-FPN, 12 epochs on YouTube-VIS 2021 (MMTracking 0.x
``masktrack_rcnn_x101_fpn_12e_youtubevis2021.py``): the R50 recipe with ResNeXt-101 64x4d, started
from MMDetection's COCO ``mask_rcnn_x101_64x4d_fpn_1x_coco`` (https://download.openmmlab.com/
mmdetection/v2.0/mask_rcnn/mask_rcnn_x101_64x4d_fpn_1x_coco/
mask_rcnn_x101_64x4d_fpn_1x_coco_20200201-9352eb0d.pth, converted with ``--method masktrack``).
"""

from .masktrack_rcnn_r50_fpn_12e_youtubevis2021 import (
    dataloader,
    lr_multiplier,
    model,
    optimizer,
    train,
)

model.detector.backbone.bottom_up.stages.update(depth=101, num_groups=64, width_per_group=4)
train.init_checkpoint = "checkpoints/mask_rcnn_x101_64x4d_fpn_1x_coco_d2.pth"
