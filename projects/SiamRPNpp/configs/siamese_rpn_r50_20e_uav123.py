"""SiamRPN++ R50, 20 epochs on ImageNet VID + COCO + DET, tested on UAV123 (OPE).

MMTracking 0.x ``configs/sot/siamese_rpn/siamese_rpn_r50_20e_uav123.py`` (open-mmlab/mmtracking
at 29432562; reported success 60.0, norm. precision 77.3, precision 80.3): the LaSOT recipe
(``common/siamrpn_r50_20e.py``) with UAV123's tracker values and test split (every frame scored:
UAV123 has no visibility flags, MMTracking's ``only_eval_visible=False``).
"""

from .common.siamrpn_r50_20e import dataloader, lr_multiplier, model, optimizer, train

dataloader.test.dataset_dicts.names = "uav123_test"
model.tracker.update(penalty_k=0.1, window_influence=0.1, lr=0.5)
