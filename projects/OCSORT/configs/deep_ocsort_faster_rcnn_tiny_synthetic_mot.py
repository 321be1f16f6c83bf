"""Deep OC-SORT behind the tiny synthetic MOT detector and ReID model
(``configs/common/mot_synthetic.py``): OC-SORT with camera motion compensation (sparse optical
flow), dynamic appearance and adaptive weighting, the authors' weights (0.75, alpha 0.95, 0.5):
``configs/common/trackers.py: deep_ocsort``."""

from d2track.config import get_config

_exp = get_config("common/mot_synthetic.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
model.tracker = get_config("common/trackers.py").deep_ocsort
model.reid = _exp.reid
