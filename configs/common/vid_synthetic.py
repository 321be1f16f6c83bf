"""The synthetic VID experiment of the DFF, FGFA, SELSA and Temporal RoI Align projects.

``vid_imagenet.py`` shrunk to train from scratch on CPU in minutes: ``model`` is the tiny detector
(``common/models/faster_rcnn_tiny_synthetic.py``), ``dataloader`` the synthetic VID videos
(``common/data/synthetic_vid.py``), the 400-iteration schedule with seed 0
(``common/cpu_schedule_400it.py``) and a flow net 8x narrower (``width_divisor=8``, 0.6M
parameters) trained from scratch with the detector from a zero flow (MMTracking starts from
pretrained FlowNet weights; a random flow net scrambles the warped features: DFF's mAP@50 7.7).
"""

from d2track.config import get_config

_schedule = get_config("common/cpu_schedule_400it.py")
train, optimizer, lr_multiplier = _schedule.train, _schedule.optimizer, _schedule.lr_multiplier
dataloader = get_config("common/data/synthetic_vid.py").dataloader

model = get_config("common/models/faster_rcnn_tiny_synthetic.py").model
flownet = get_config("common/models/flownet_simple.py").flownet
flownet.width_divisor = 8
flownet.zero_init_flow = True  # no pretrained FlowNet here: start from the identity warp
