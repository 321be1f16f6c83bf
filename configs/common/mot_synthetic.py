"""The synthetic MOT experiment shared by the SORT, DeepSORT, Tracktor and ByteTrack projects.

``model`` is a :class:`TrackingByDetection` around the tiny 1-class detector of
``configs/mot/faster_rcnn_tiny_400it_synthetic_mot.py`` (train it first; pass its
``model_final.pth`` as ``model.detector_weights``), tracking ``synthetic_mot_val`` frame by
frame, scored by :class:`~d2track.evaluation.MOTEvaluator`. Project configs set
``model.tracker`` (and ``model.reid`` for appearance trackers). Training such a config trains the
detector alone, as MMTracking's MOT models do.
"""

from detectron2.config import LazyCall as L

from d2track.config import get_config
from d2track.modeling.meta_arch import TrackingByDetection

_detector = get_config("mot/faster_rcnn_tiny_400it_synthetic_mot.py")
train, optimizer, lr_multiplier = _detector.train, _detector.optimizer, _detector.lr_multiplier
dataloader = get_config("common/data/synthetic_mot.py").dataloader

model = L(TrackingByDetection)(
    detector=_detector.model,
    tracker=None,
    reid=None,
    detector_weights="",  # required: a checkpoint, or None for a random detector on purpose
    reid_weights="",  # the same when model.reid is set
    allow_partial_weights=False,  # True: load checkpoints that lack weights, with warnings
)
