"""StrongSORT behind the tiny synthetic MOT detector and ReID model
(``configs/common/mot_synthetic.py``), the authors' MOT17 settings (untuned for this data) except
ECC's shrink factor: 2 for the 256 x 256 frames (10, for 1080p frames, would leave 26 pixels).
"""

from d2track.config import get_config

from .common.strongsort import tracker

_exp = get_config("common/mot_synthetic.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
model.tracker = tracker
model.tracker.cmc.downscale = 2
model.reid = _exp.reid
