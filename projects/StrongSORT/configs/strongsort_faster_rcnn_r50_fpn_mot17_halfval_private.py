"""StrongSORT on MOT17 half-val with private detections (``configs/common/mot17_tracking.py``:
the R50-FPN detector of ``configs/mot/faster_rcnn_r50_fpn_4e_mot17_halftrain.py``, the ReID model
of ``configs/reid/reid_r50_6e_mot17.py``), with the tracker settings of the authors' MOT17
StrongSORT (``python strong_sort.py MOT17 val --BoT --ECC --NSA --EMA --MC --woC``; YOLOX-X and
a BoT ReID model there).
"""

from d2track.config import get_config

from .common.strongsort import tracker

_exp = get_config("common/mot17_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
model.tracker = tracker
model.reid = _exp.reid
