"""The ImageNet VID experiment shared by the DFF, FGFA, SELSA and Temporal RoI Align projects.

``model`` is the still-image detector of MMTracking 0.x's VID configs
(``common/models/faster_rcnn_r50_dc5.py``), ``dataloader`` ImageNet VID + DET with 2 references
per key (``common/data/imagenet_vid.py``), ``train``/``optimizer``/``lr_multiplier`` MMTracking's
7-epoch schedule (``common/vid_schedule.py``) and ``flownet`` the flow net of the flow-guided
methods (``common/models/flownet_simple.py``). A project's ``configs/common/<method>.py`` turns
the detector into its method; its experiment configs only pick this file or ``vid_synthetic.py``.
"""

from d2track.config import get_config

_schedule = get_config("common/vid_schedule.py")
train, optimizer, lr_multiplier = _schedule.train, _schedule.optimizer, _schedule.lr_multiplier
dataloader = get_config("common/data/imagenet_vid.py").dataloader

model = get_config("common/models/faster_rcnn_r50_dc5.py").model
flownet = get_config("common/models/flownet_simple.py").flownet
