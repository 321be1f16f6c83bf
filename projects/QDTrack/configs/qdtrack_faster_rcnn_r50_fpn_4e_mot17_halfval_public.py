"""QDTrack on MOT17 half-val with MOTChallenge's public detections (refined by the box head):
``qdtrack_faster_rcnn_r50_fpn_4e_mot17_halfval_private.py`` with ``model.public_detections``, as
the other MOT projects' public configs (MMTracking has no public QDTrack config).
"""

from d2track.config import get_config

from .qdtrack_faster_rcnn_r50_fpn_4e_mot17_halfval_private import (
    dataloader,
    lr_multiplier,
    model,
    optimizer,
    train,
)

model.public_detections = get_config("common/mot17_tracking.py").public_detections
