"""The detector of the synthetic MOT experiments: the tiny Faster R-CNN, 1 class (pedestrian).

``common/models/faster_rcnn_tiny_synthetic.py`` with one class and a 3:1 anchor for upright
pedestrians, trained from scratch for 400 iterations on ``synthetic_mot_train`` frames
(``common/cpu_schedule_400it.py``, seed 0) and evaluated with bbox AP on ``synthetic_mot_val``.
Test keeps detections down to score 0.05 so that ByteTrack's low-score association sees them.
The tracker configs of ``projects/{SORT,DeepSORT,Tracktor,ByteTrack}`` load its
``model_final.pth`` as ``model.detector_weights``.
"""

from detectron2.config import LazyCall as L

from d2track.config import get_config
from d2track.evaluation import VIDEvaluator

dataloader = get_config("common/data/synthetic_mot.py").dataloader
dataloader.evaluator = L(VIDEvaluator)(dataset_name="${..test.dataset_dicts.names}")
schedule = get_config("common/cpu_schedule_400it.py")
train, optimizer, lr_multiplier = schedule.train, schedule.optimizer, schedule.lr_multiplier

model = get_config("common/models/faster_rcnn_tiny_synthetic.py").model
model.roi_heads.num_classes = 1
model.proposal_generator.anchor_generator.aspect_ratios = [[0.5, 1.0, 2.0, 3.0]]
model.proposal_generator.head.num_anchors = 4 * 4  # sizes x aspect ratios
model.roi_heads.box_predictor.test_score_thresh = 0.05
