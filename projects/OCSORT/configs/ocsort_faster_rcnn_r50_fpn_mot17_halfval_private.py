"""OC-SORT on MOT17 half-val with private detections, as MMTracking 0.x's
ocsort_yolox_x_crowdhuman_mot17-private-half.py (YOLOX-X there, the R50-FPN Faster R-CNN here;
shared setup: ``configs/common/mot17_tracking.py``).
"""

from detectron2.config import LazyCall as L

from d2track.config import get_config
from d2track.tracking import InterpolateTracks
from d2track.tracking.ocsort_tracker import OCSORTTracker

_exp = get_config("common/mot17_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
# the class defaults are MMTracking's MOT17 tracker settings
model.tracker = L(OCSORTTracker)()
# as MMTracking's OC-SORT configs (interpolate_tracks_cfg): short gaps of each track are filled
# at each video's end, before the results are written and scored
model.video_postprocessor = L(InterpolateTracks)()
