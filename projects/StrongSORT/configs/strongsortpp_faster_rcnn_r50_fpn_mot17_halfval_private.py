"""StrongSORT++ on MOT17 half-val with private detections:
``strongsort_faster_rcnn_r50_fpn_mot17_halfval_private.py`` with AFLink and GSI run on each
finished video (``--AFLink --GSI`` of the authors' ``strong_sort.py``), before the results are
written and scored. Set the AFLink weights: ``model.video_postprocessor.link.weights=PATH``.
"""

from .common.strongsort import postprocessor
from .strongsort_faster_rcnn_r50_fpn_mot17_halfval_private import (
    dataloader,
    lr_multiplier,
    model,
    optimizer,
    train,
)

model.video_postprocessor = postprocessor
