"""BoT-SORT-ReID on MOT17 test (private detections) for a MOTChallenge submission: the model of
``botsort_faster_rcnn_r50_fpn_mot17_halfval_private.py`` on
``configs/common/mot17_test_tracking.py``. As the authors' test submissions
(``tools/interpolation.py`` after ``tools/track.py``), short gaps of each track are filled at
each video's end: tracks of more than 5 frames, gaps under 20 frames.
"""

from detectron2.config import LazyCall as L

from d2track.config import get_config
from d2track.tracking import InterpolateTracks

from .botsort_faster_rcnn_r50_fpn_mot17_halfval_private import model

_exp = get_config("common/mot17_test_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader = _exp.dataloader
model.video_postprocessor = L(InterpolateTracks)()
