"""The MOT20 half-val experiment of the SORT, DeepSORT, Tracktor and ByteTrack projects.

``configs/common/mot17_tracking.py`` on MOT20: a :class:`TrackingByDetection` around the detector
of ``configs/mot/faster_rcnn_r50_fpn_8e_mot20_halftrain.py`` (its ``model_final.pth`` is
``model.detector_weights``), tracking ``mot20_half_val`` with the loaders of
``common/data/mot20.py`` (TrackEval's MOT20 preprocessing). ``reid`` is the ResNet-50 ReID model
of ``common/models/reid_r50.py`` without its identity classifier: tracking only embeds, so any
ReID checkpoint of that architecture loads (``model.reid_weights``: e.g. ``reid_r50_6e_mot17.py``
trained on MOT20's crops, or MMTracking's MOT20 ReID converted by
``tools/convert_mmtrack_checkpoint.py --method reid``), its classifier weights left unused.
``public_detections``: MOTChallenge's public detections of the split, for
``model.public_detections``.
"""

from detectron2.config import LazyCall as L

from d2track.config import get_config
from d2track.data.public_detections import PublicDetections, public_detections_file
from d2track.modeling.meta_arch import TrackingByDetection

_detector = get_config("mot/faster_rcnn_r50_fpn_8e_mot20_halftrain.py")
train, optimizer, lr_multiplier = _detector.train, _detector.optimizer, _detector.lr_multiplier
train.init_checkpoint = ""  # as in mot17_tracking.py: only for a whole tracking model
dataloader = get_config("common/data/mot20.py").dataloader

model = L(TrackingByDetection)(detector=_detector.model, tracker=None)
reid = get_config("common/models/reid_r50.py").model
reid.head.num_classes = 0  # no identity classifier at tracking time
reid.head.loss_cls_weight = 0.0
public_detections = L(PublicDetections)(
    path=L(public_detections_file)(dataset_name="${....dataloader.test.dataset_dicts.names}")
)
