"""BoT-SORT-ReID on MOT20 test (private detections) for a MOTChallenge submission
(``configs/common/mot20_test_tracking.py``: the detector of
``configs/mot/faster_rcnn_r50_fpn_8e_mot20_train.py`` and the classifier-free ResNet-50 ReID
model), with the authors' MOT20 tracker settings (``tools/track.py --default-parameters
--benchmark MOT20``): the IoU is not weighted by the detection score and the first association
accepts costs up to 0.7 (MOT17: 0.8); their per-sequence thresholds (0.3 for MOT20-06 and -08)
are not reproduced. Tracks are interpolated as the authors' test submissions.
"""

from detectron2.config import LazyCall as L

from d2track.config import get_config
from d2track.tracking import InterpolateTracks
from d2track.tracking.botsort_tracker import BoTSORTTracker

_exp = get_config("common/mot20_test_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
model.tracker = L(BoTSORTTracker)(with_reid=True, fuse_score=False, match_cost_thr=0.7)
model.reid = _exp.reid
model.video_postprocessor = L(InterpolateTracks)()
