"""QDTrack on MOT17 test with MOTChallenge's public detections (refined by the box head) for a
MOTChallenge submission: ``qdtrack_faster_rcnn_r50_fpn_4e_mot17_test_private.py`` with
``model.public_detections`` (``MOT17/annotations/test_detections.json``, written by
``datasets/prepare_mot.py --convert-det``).
"""

from d2track.config import get_config

from .qdtrack_faster_rcnn_r50_fpn_4e_mot17_test_private import (
    dataloader,
    lr_multiplier,
    model,
    optimizer,
    train,
)

model.public_detections = get_config("common/mot17_tracking.py").public_detections
