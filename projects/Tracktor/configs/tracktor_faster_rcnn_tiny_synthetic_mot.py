"""Tracktor behind the tiny synthetic MOT detector and ReID model.

Shared setup: ``configs/common/mot_synthetic.py``.

Pass the ``model_final.pth`` of ``configs/mot/faster_rcnn_tiny_400it_synthetic_mot.py`` as
``model.detector_weights`` and of ``configs/reid/reid_tiny_400it_synthetic.py`` as
``model.reid_weights``.
"""

from d2track.config import get_config

_mot = get_config("common/mot_synthetic.py")
train, optimizer, lr_multiplier = _mot.train, _mot.optimizer, _mot.lr_multiplier
dataloader = _mot.dataloader
model = _mot.model
model.tracker = get_config("common/trackers.py").tracktor
model.reid = get_config("reid/reid_tiny_400it_synthetic.py").model
