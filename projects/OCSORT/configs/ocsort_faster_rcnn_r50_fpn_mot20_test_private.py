"""OC-SORT on MOT20 test (private detections) for a MOTChallenge submission.

``ocsort_faster_rcnn_r50_fpn_mot17_test_private.py`` moved to MOT20: ``--eval-only`` writes one
MOTChallenge txt per ``mot20_test`` sequence (``format_only``) with the R50-FPN detector trained
on all of ``mot20_train`` as ``model.detector_weights`` (``projects/OCSORT/README.md`` trains it
with ``configs/mot/faster_rcnn_r50_fpn_4e_mot17_train.py`` on ``mot20_train``). The tracker keeps
its MOT17 settings, as MMTracking's ``ocsort_yolox_x_crowdhuman_mot20-private-half.py`` does.
Unverified: MOT20's crowds may want more detections per frame
(``model.detector.roi_heads.box_predictor.test_topk_per_image``).
"""

from d2track.config import get_config

from .ocsort_faster_rcnn_r50_fpn_mot17_halfval_private import model  # noqa: F401

_exp = get_config("common/mot17_test_tracking.py")
train, optimizer, lr_multiplier = _exp.train, _exp.optimizer, _exp.lr_multiplier
dataloader = _exp.dataloader
dataloader.train.dataset.dataset_dicts.names = "mot20_train"
dataloader.test.dataset_dicts.names = "mot20_test"
dataloader.evaluator.benchmark = "MOT20"
