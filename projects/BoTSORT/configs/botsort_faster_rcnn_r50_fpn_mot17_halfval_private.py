"""BoT-SORT-ReID on MOT17 half-val with private detections (``configs/common/mot17_tracking.py``:
the R50-FPN detector of ``configs/mot/faster_rcnn_r50_fpn_4e_mot17_halftrain.py``, the ReID
model of ``configs/reid/reid_r50_6e_mot17.py``), with the tracker settings of the authors'
``tools/track.py`` for MOT17 (the class defaults: score-fused IoU, sparse optical flow camera
motion compensation) and their ReID fusion. BoT-SORT without ReID:
``model.tracker.with_reid=False model.reid=null``.
"""

from detectron2.config import LazyCall as L

from d2track.config import get_config
from d2track.tracking.botsort_tracker import BoTSORTTracker

_exp = get_config("common/mot17_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
model.tracker = L(BoTSORTTracker)(with_reid=True)
model.reid = _exp.reid
