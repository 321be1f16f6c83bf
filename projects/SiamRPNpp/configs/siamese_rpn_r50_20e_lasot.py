"""SiamRPN++ R50, 20 epochs on ImageNet VID + COCO + DET, tested on LaSOT (OPE).

MMTracking 0.x ``configs/sot/siamese_rpn/siamese_rpn_r50_20e_lasot.py`` (open-mmlab/mmtracking
at 29432562; reported success 50.4, norm. precision 59.6, precision 49.7): the shared base
``common/siamrpn_r50_20e.py`` as it is: ``lasot_test`` scored on its visible frames (LaSOT's
occlusion / out-of-view flags, MMTracking's ``only_eval_visible=True``), tracker penalty_k 0.05,
window influence 0.42, lr 0.38.
"""

from .common.siamrpn_r50_20e import dataloader, lr_multiplier, model, optimizer, train
