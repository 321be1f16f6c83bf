"""SiamRPN++ R50, 20 epochs on ImageNet VID + COCO + DET, tested on VOT2018 (reset protocol).

MMTracking 0.x ``configs/sot/siamese_rpn/siamese_rpn_r50_20e_vot2018.py`` (open-mmlab/mmtracking
at 29432562; reported EAO 0.348, accuracy 0.588, robustness 0.295): the LaSOT recipe
(``common/siamrpn_r50_20e.py``) with VOT2018's tracker values, tracked with the VOT reset
protocol (``test_mode='VOT'``: re-initialised 5 frames after each failure) and scored by
:class:`~d2track.evaluation.VOTEvaluator` (EAO over VOT2018's interval 100..356, accuracy,
robustness).
"""

from detectron2.config import LazyCall as L

from d2track.evaluation import VOTEvaluator

from .common.siamrpn_r50_20e import dataloader, lr_multiplier, model, optimizer, train

dataloader.test.dataset_dicts.names = "vot2018_test"
dataloader.evaluator = L(VOTEvaluator)(dataset_name="${..test.dataset_dicts.names}")
model.tracker.update(penalty_k=0.04, window_influence=0.44, lr=0.33)
model.test_protocol.protocol = "vot"
train.best_checkpoint.metric = "vot/eao"  # MMTracking's save_best='eao'
