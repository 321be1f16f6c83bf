"""MaskTrack R-CNN R50-FPN, 12 epochs on YouTube-VIS 2019 train, results on 2019 valid for CodaLab.

MMTracking 0.x ``configs/vis/masktrack_rcnn/masktrack_rcnn_r50_fpn_12e_youtubevis2019.py``; the
recipe is ``common/masktrack_rcnn_r50_fpn_12e_youtubevis.py``.
"""

from .common.masktrack_rcnn_r50_fpn_12e_youtubevis import (
    dataloader,
    lr_multiplier,
    model,
    optimizer,
    train,
    use_youtube_vis,
)

use_youtube_vis("2019")
