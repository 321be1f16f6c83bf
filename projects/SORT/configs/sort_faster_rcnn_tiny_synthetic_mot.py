"""SORT behind the tiny synthetic MOT detector (``configs/common/mot_synthetic.py``)."""

from d2track.config import get_config

_mot = get_config("common/mot_synthetic.py")
train, optimizer, lr_multiplier, dataloader = (
    _mot.train,
    _mot.optimizer,
    _mot.lr_multiplier,
    _mot.dataloader,
)
model = _mot.model
model.tracker = get_config("common/trackers.py").sort
