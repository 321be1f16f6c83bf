"""The MOT17 half-val experiment shared by the SORT, DeepSORT, Tracktor and ByteTrack projects.

``model`` is a :class:`TrackingByDetection` around the R50-FPN pedestrian detector of
``configs/mot/faster_rcnn_r50_fpn_4e_mot17_halftrain.py``, tracking ``mot17_half_val`` at
1088 x 612 with private detections, scored by :class:`~d2track.evaluation.MOTEvaluator`. Project
configs set ``model.tracker`` (``configs/common/trackers.py``) and, for appearance, ``model.reid
= reid``: the ReID model of ``configs/reid/reid_r50_6e_mot17.py``. ``public_detections`` is
MOTChallenge's public detections of the test split (refined by the detector's box head), for
``model.public_detections``.

Weights (the model's defaults, :class:`TrackingByDetection`): ``model.detector_weights`` is
required, the detector's ``model_final.pth`` (or ``null`` for a random detector on purpose), and
likewise ``model.reid_weights`` with a ReID model; ``model.allow_partial_weights=True`` loads
checkpoints that lack weights, with warnings.
"""

from detectron2.config import LazyCall as L

from d2track.config import get_config
from d2track.data.public_detections import PublicDetections, public_detections_file
from d2track.modeling.meta_arch import TrackingByDetection

_detector = get_config("mot/faster_rcnn_r50_fpn_4e_mot17_halftrain.py")
train, optimizer, lr_multiplier = _detector.train, _detector.optimizer, _detector.lr_multiplier
# The detector config starts from COCO weights; here they come from model.detector_weights (and
# reid_weights), and train.init_checkpoint is only for a whole tracking model (--eval-only).
train.init_checkpoint = ""
dataloader = get_config("common/data/mot17.py").dataloader

model = L(TrackingByDetection)(detector=_detector.model, tracker=None)
reid = get_config("common/models/reid_r50.py").model
public_detections = L(PublicDetections)(
    path=L(public_detections_file)(dataset_name="${....dataloader.test.dataset_dicts.names}")
)
