"""SiamRPN++ on the synthetic SOT videos with a tiny from-scratch network: trains on CPU in minutes.

SiamRPN++'s network and tracker (``configs/common/siamrpn.py``) with a narrow SOT ResNet (one
block per stage, 16-channel stem, 8 base planes: 64/128/256 channels out, 32-channel neck)
trained from scratch (nothing frozen) on ``synthetic_sot_train`` pairs; scored with OPE on
``synthetic_sot_val``.
"""

from d2track.config import get_config

from .common.siamrpn import model

_schedule = get_config("common/cpu_schedule_400it.py")
train, optimizer, lr_multiplier = _schedule.train, _schedule.optimizer, _schedule.lr_multiplier
dataloader = get_config("common/data/synthetic_sot.py").dataloader

model.backbone.update(stage_blocks=(1, 1, 1, 1), stem_channels=16, base_planes=8, freeze_at=0)
model.neck.update(in_channels=[64, 128, 256], out_channels=32)
model.head.in_channels = [32, 32, 32]
