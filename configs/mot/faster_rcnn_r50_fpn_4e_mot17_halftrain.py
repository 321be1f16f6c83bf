"""Train the MOT17 pedestrian detector on ``mot17_half_train``; bbox AP on ``mot17_half_val``.

``tools/lazyconfig_train_net.py --config-file configs/mot/faster_rcnn_r50_fpn_4e_mot17_halftrain.py
--num-gpus 8`` reproduces MMTracking's ``faster-rcnn_r50_fpn_4e_mot17-half`` (the detector of its
SORT, DeepSORT and Tracktor MOT17 half-val results). Its ``model_final.pth`` is the
``model.detector_weights`` of ``projects/*/configs/*_mot17_halfval_*.py``.
"""

from detectron2.config import LazyCall as L

from d2track.config import get_config
from d2track.evaluation import VIDEvaluator

dataloader = get_config("common/data/mot17.py").dataloader
dataloader.evaluator = L(VIDEvaluator)(dataset_name="${..test.dataset_dicts.names}")
schedule = get_config("common/mot_schedule.py")
train, optimizer, lr_multiplier = schedule.train, schedule.optimizer, schedule.lr_multiplier
model = get_config("common/models/faster_rcnn_r50_fpn_mot.py").model
