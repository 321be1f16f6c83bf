"""ByteTrack on MOT17 half-val with private detections, as MMTracking 0.x's
bytetrack_yolox_x_crowdhuman_mot17-private-half.py (YOLOX-X there, the R50-FPN Faster R-CNN here).

Detector: ``configs/mot/faster_rcnn_r50_fpn_4e_mot17_halftrain.py`` (``model.detector_weights``);
data, evaluator and model layout: ``configs/common/mot17_tracking.py``; tracker settings:
``configs/common/trackers.py``.
"""

from d2track.config import get_config

_exp = get_config("common/mot17_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader = _exp.dataloader
model = _exp.model
model.tracker = get_config("common/trackers.py").bytetrack
# as MMTracking's ByteTrack configs: short gaps of each track are filled before scoring
dataloader.evaluator.interpolation = dict(min_num_frames=5, max_num_frames=20)
