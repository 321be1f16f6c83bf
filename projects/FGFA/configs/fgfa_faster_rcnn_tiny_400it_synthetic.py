"""FGFA on the synthetic VID videos with the tiny CPU detector and a flow net 8x narrower.

FGFA's modules (``configs/common/fgfa.py``) on the synthetic VID experiment
(``configs/common/vid_synthetic.py``: the tiny detector, FlowNetSimple with ``width_divisor=8``
trained from scratch from a zero flow), with a 7-frame test window (3 on each side; MMTracking:
15) to keep CPU inference to seconds.
"""

from d2track.config import get_config

from .common.fgfa import fgfa

_exp = fgfa(get_config("common/vid_synthetic.py"))
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
model.memory.sampler.frame_range = [-3, 3]
