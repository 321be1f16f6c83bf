"""ByteTrack on MOT20 test (private detections) for a MOTChallenge submission
(``configs/common/mot20_test_tracking.py``: the detector of
``configs/mot/faster_rcnn_r50_fpn_8e_mot20_train.py``), with the tracker settings of MMTracking
0.x's ``bytetrack_yolox_x_crowdhuman_mot20-private.py`` (YOLOX-X there): the first association
neither weights IoU by the detection score nor accepts an IoU under 0.3 (MOT17: weighted, 0.1),
and tracks are interpolated as in the MOT17 configs.
"""

from detectron2.config import LazyCall as L

from d2track.config import get_config
from d2track.tracking import InterpolateTracks

_exp = get_config("common/mot20_test_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
model.tracker = get_config("common/trackers.py").bytetrack
model.tracker.weight_iou_with_det_scores = False
model.tracker.high_match_iou_thr = 0.3
model.video_postprocessor = L(InterpolateTracks)()
