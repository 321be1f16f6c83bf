"""The tiny pedestrian detector of the synthetic MOT table, on plain and hard synthetic videos.

``faster_rcnn_tiny_400it_synthetic_mot.py`` trained for 800 iterations (``cpu_schedule_400it``
twice as long, 100 warm-up iterations) on the frames of ``synthetic_mot_train``,
``synthetic_mot_dance_train`` and ``synthetic_mot_sports_train`` together, so that one detector
serves the three splits of ``tools/analysis/mot_synthetic_table.py``; bbox AP on
``synthetic_mot_val``.
"""

from d2track.config import get_config

_base = get_config("mot/faster_rcnn_tiny_400it_synthetic_mot.py")
dataloader, model = _base.dataloader, _base.model
train, optimizer, lr_multiplier = _base.train, _base.optimizer, _base.lr_multiplier

dataloader.train.dataset.dataset_dicts.names = [
    "synthetic_mot_train",
    "synthetic_mot_dance_train",
    "synthetic_mot_sports_train",
]
train.max_iter = train.eval_period = 800
train.checkpointer.period = 400
lr_multiplier.warmup_length = 100 / 800
