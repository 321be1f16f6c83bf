"""SELSA on the synthetic VID videos with a tiny from-scratch detector: trains on CPU in minutes.

SELSA's modules (``configs/common/selsa.py``) on the synthetic VID experiment
(``configs/common/vid_synthetic.py``: 16/32/64-wide ResNet, 128-channel neck, fc 256; 2
references per key in training, 14 + the key at test) with 8 attention heads. ``make demo``
trains and evaluates it.
"""

from d2track.config import get_config

from .common.selsa import selsa

_exp = get_config("common/vid_synthetic.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader, model = _exp.dataloader, selsa(_exp.model)
model.roi_heads.box_head.num_attention_blocks = 8
