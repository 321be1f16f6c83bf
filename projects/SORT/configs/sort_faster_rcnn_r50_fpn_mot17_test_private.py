"""SORT on MOT17 test (private detections) for a MOTChallenge submission.

The detector trains on all of ``mot17_train``
(``configs/mot/faster_rcnn_r50_fpn_4e_mot17_train.py``; pass its ``model_final.pth`` as
``model.detector_weights``). ``--eval-only`` writes one MOTChallenge txt per sequence under
``<output_dir>/mot_results`` (``format_only``: the test split has no ground truth); zip them for
the server.
"""

from d2track.config import get_config

from .sort_faster_rcnn_r50_fpn_mot17_halfval_private import dataloader, model  # noqa: F401

_full = get_config("mot/faster_rcnn_r50_fpn_4e_mot17_train.py")
train, optimizer, lr_multiplier = _full.train, _full.optimizer, _full.lr_multiplier
dataloader.train = _full.dataloader.train
dataloader.test.dataset_dicts.names = "mot17_test"
dataloader.evaluator.format_only = True
