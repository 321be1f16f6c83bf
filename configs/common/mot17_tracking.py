"""The MOT17 half-val experiment shared by the SORT, DeepSORT, Tracktor and ByteTrack projects.

``model`` is a :class:`TrackingByDetection` around the R50-FPN pedestrian detector of
``configs/mot/faster_rcnn_r50_fpn_4e_mot17_halftrain.py`` (its ``model_final.pth`` goes to
``model.detector_weights``), tracking ``mot17_half_val`` at 1088 x 612 with private detections
(``public_detections`` sets MOTChallenge's public ones, refined by the detector's box head).
``reid`` is the ReID model of ``configs/reid/reid_r50_6e_mot17.py`` for the projects that use
appearance (``model.reid_weights``). Project configs set ``model.tracker``.
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

model = L(TrackingByDetection)(
    detector=_detector.model,
    tracker=None,
    reid=None,
    detector_weights="",  # required: a checkpoint, or None for a random detector on purpose
    reid_weights="",  # the same when model.reid is set
    allow_partial_weights=False,  # True: load checkpoints that lack weights, with warnings
)
reid = get_config("common/models/reid_r50.py").model
public_detections = L(PublicDetections)(
    path=L(public_detections_file)(dataset_name="${....dataloader.test.dataset_dicts.names}")
)
