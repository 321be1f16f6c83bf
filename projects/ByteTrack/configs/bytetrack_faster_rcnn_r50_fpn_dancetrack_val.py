"""ByteTrack on DanceTrack val (``configs/common/dancetrack_tracking.py``: the detector of
``configs/mot/faster_rcnn_r50_fpn_4e_dancetrack_train.py``, DanceTrack's official scoring), with
the tracker and track interpolation of ``bytetrack_faster_rcnn_r50_fpn_mot17_halfval_private.py``
(MMTracking's MOT17 settings).
"""

from detectron2.config import LazyCall as L

from d2track.config import get_config
from d2track.tracking import InterpolateTracks

_exp = get_config("common/dancetrack_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
model.tracker = get_config("common/trackers.py").bytetrack
model.video_postprocessor = L(InterpolateTracks)()
