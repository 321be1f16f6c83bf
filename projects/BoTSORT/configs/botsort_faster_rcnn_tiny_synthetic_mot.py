"""BoT-SORT-ReID behind the tiny synthetic MOT detector and ReID model
(``configs/common/mot_synthetic.py``), with the authors' MOT17 tracker settings."""

from detectron2.config import LazyCall as L

from d2track.config import get_config
from d2track.tracking.botsort_tracker import BoTSORTTracker

_exp = get_config("common/mot_synthetic.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
model.tracker = L(BoTSORTTracker)(with_reid=True)
model.reid = _exp.reid
