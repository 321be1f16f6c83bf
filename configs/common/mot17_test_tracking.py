"""The MOT17 test (submission) experiment of the SORT, DeepSORT, Tracktor and ByteTrack projects.

``mot17_tracking.py`` with the detector of ``configs/mot/faster_rcnn_r50_fpn_4e_mot17_train.py``
(trained on all of ``mot17_train``: its ``model_final.pth`` is ``model.detector_weights``),
tracking ``mot17_test``. ``--eval-only`` only writes one MOTChallenge txt per sequence under
``<output_dir>/mot_results`` (``format_only``: the test split has no ground truth); zip them for
the server. Project configs take ``model`` from their half-val config.
"""

from d2track.config import get_config

_full = get_config("mot/faster_rcnn_r50_fpn_4e_mot17_train.py")
train, optimizer, lr_multiplier = _full.train, _full.optimizer, _full.lr_multiplier
train.init_checkpoint = ""  # as in mot17_tracking.py: only for a whole tracking model
dataloader = get_config("common/mot17_tracking.py").dataloader
dataloader.train = _full.dataloader.train
dataloader.test.dataset_dicts.names = "mot17_test"
dataloader.evaluator.format_only = True
