"""``botsort_faster_rcnn_tiny_synthetic_mot.py`` on ``synthetic_mot_sports_val``: fast, erratic
players filmed by a panning and zooming camera, where camera motion compensation matters. Use a
detector that saw such frames (``configs/mot/faster_rcnn_tiny_800it_synthetic_mot_mixed.py``).
"""

from .botsort_faster_rcnn_tiny_synthetic_mot import (
    dataloader,
    lr_multiplier,
    model,
    optimizer,
    train,
)

dataloader.test.dataset_dicts.names = "synthetic_mot_sports_val"

__all__ = ["dataloader", "lr_multiplier", "model", "optimizer", "train"]
