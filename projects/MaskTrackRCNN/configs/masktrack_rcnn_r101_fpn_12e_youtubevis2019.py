"""MaskTrack R-CNN R101-FPN, 12 epochs on YouTube-VIS 2019 (MMTracking 0.x
``masktrack_rcnn_r101_fpn_12e_youtubevis2019.py``): the R50 recipe with ResNet-101, started from
MMDetection's COCO ``mask_rcnn_r101_fpn_1x_coco`` (https://download.openmmlab.com/mmdetection/v2.0/
mask_rcnn/mask_rcnn_r101_fpn_1x_coco/mask_rcnn_r101_fpn_1x_coco_20200204-1efe0ed5.pth, converted
with ``--method masktrack``).
"""

from .masktrack_rcnn_r50_fpn_12e_youtubevis2019 import (
    dataloader,
    lr_multiplier,
    model,
    optimizer,
    train,
)

model.detector.backbone.bottom_up.stages.depth = 101
train.init_checkpoint = "checkpoints/mask_rcnn_r101_fpn_1x_coco_d2.pth"
