"""QDTrack R50-FPN, 4 epochs on MOT17 half-train, private detections on MOT17 half-val.

MMTracking 0.x ``qdtrack_faster-rcnn_r50_fpn_4e_mot17-private-half.py`` (HOTA 57.1, MOTA 68.2,
IDF1 68.5 in its model zoo); the recipe is ``common/qdtrack_faster_rcnn_r50_fpn_4e_mot.py``.
"""

from .common.qdtrack_faster_rcnn_r50_fpn_4e_mot import (
    dataloader,
    lr_multiplier,
    model,
    optimizer,
    train,
    use_mot,
)

use_mot("mot17_half_train", "mot17_half_val")
