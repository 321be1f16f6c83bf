"""Tracktor on MOT17 half-val with MOTChallenge's public detections (refined by the box head).

``tracktor_faster_rcnn_r50_fpn_mot17_halfval_private.py`` with ``model.public_detections``: the
``half-val_detections.json`` that ``datasets/prepare_mot.py --convert-det`` writes next to the
split's annotations.
"""

from d2track.config import get_config

from .tracktor_faster_rcnn_r50_fpn_mot17_halfval_private import (  # noqa: F401
    dataloader,
    lr_multiplier,
    model,
    optimizer,
    train,
)

model.public_detections = get_config("common/mot17_tracking.py").public_detections
