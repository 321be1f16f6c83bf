"""OC-SORT behind the tiny synthetic MOT detector (``configs/common/mot_synthetic.py``)."""

from detectron2.config import LazyCall as L

from d2track.config import get_config
from d2track.tracking.ocsort_tracker import OCSORTTracker

_exp = get_config("common/mot_synthetic.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
model.tracker = L(OCSORTTracker)()
