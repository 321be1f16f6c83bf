"""The MOT20 test (submission) experiment of the SORT, DeepSORT, Tracktor and ByteTrack projects.

``mot20_tracking.py`` with the detector of ``configs/mot/faster_rcnn_r50_fpn_8e_mot20_train.py``
(trained on all of ``mot20_train``: its ``model_final.pth`` is ``model.detector_weights``),
tracking ``mot20_test``; ``--eval-only`` only writes one MOTChallenge txt per sequence under
``<output_dir>/mot_results`` (``format_only``). ``model``, ``reid`` and ``public_detections``
are those of ``mot20_tracking.py``: project configs set ``model.tracker`` (and ``model.reid``).
"""

from d2track.config import get_config

_full = get_config("mot/faster_rcnn_r50_fpn_8e_mot20_train.py")
train, optimizer, lr_multiplier = _full.train, _full.optimizer, _full.lr_multiplier
train.init_checkpoint = ""  # as in mot17_tracking.py: only for a whole tracking model
_half = get_config("common/mot20_tracking.py")
model, reid, public_detections = _half.model, _half.reid, _half.public_detections
dataloader = _half.dataloader
dataloader.train = _full.dataloader.train
dataloader.test.dataset_dicts.names = "mot20_test"
dataloader.evaluator.format_only = True
