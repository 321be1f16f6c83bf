"""The single-frame baseline of the VID projects: the tiny Faster R-CNN on synthetic VID frames.

Same detector, data, budget and seed as ``projects/*/configs/*_tiny_400it_synthetic.py``, without
reference frames: each training sample is one frame, each test frame is detected on its own.
"""

from d2track.config import get_config

dataloader = get_config("common/data/synthetic_vid.py").dataloader
schedule = get_config("common/cpu_schedule_400it.py")
train, optimizer, lr_multiplier = schedule.train, schedule.optimizer, schedule.lr_multiplier
dataloader.train.dataset.ref_sampler = None
model = get_config("common/models/faster_rcnn_tiny_synthetic.py").model
