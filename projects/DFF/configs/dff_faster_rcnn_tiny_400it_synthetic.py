"""DFF on the synthetic VID videos with the tiny CPU detector and a flow net 8x narrower.

DFF's modules (``configs/common/dff.py``) on the synthetic VID experiment
(``configs/common/vid_synthetic.py``: the tiny detector; FlowNetSimple with ``width_divisor=8``,
0.6M parameters, trained from scratch with the detector from a zero flow).
"""

from d2track.config import get_config

from .common.dff import dff

_exp = dff(get_config("common/vid_synthetic.py"))
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, _exp.model
