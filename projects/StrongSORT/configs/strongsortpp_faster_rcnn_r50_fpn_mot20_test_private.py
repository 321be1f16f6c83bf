"""StrongSORT++ on MOT20 test (private detections) for a MOTChallenge submission:
``strongsort_faster_rcnn_r50_fpn_mot20_test_private.py`` with AFLink and GSI
(``model.video_postprocessor.link.weights=PATH``; the authors use their MOT17-trained AFLink).
"""

from .common.strongsort import postprocessor
from .strongsort_faster_rcnn_r50_fpn_mot20_test_private import (
    dataloader,
    lr_multiplier,
    model,
    optimizer,
    train,
)

model.video_postprocessor = postprocessor
