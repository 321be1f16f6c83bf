"""SiamRPN++ R50, 20 epochs on ImageNet VID + COCO + DET, tested on OTB100 (OPE).

MMTracking 0.x ``configs/sot/siamese_rpn/siamese_rpn_r50_20e_otb100.py`` (open-mmlab/mmtracking
at f869a45d; reported success 64.9, norm. precision 82.4, precision 86.3): the LaSOT recipe
(``common/siamrpn_r50_20e.py``) with OTB100's tracker values and test split (every frame
scored, ``only_eval_visible=False``), trained with 16 pairs per GPU instead of 28 at the same lr:
``ceil(75000 / 16) = 4688`` iterations per epoch of 128 pairs, and 20% of the pairs turned grey
(``SeqGrayAug(prob=0.2)``, :class:`~d2track.data.SOTTrainMapper`'s ``grey_prob``).
"""

from .common.siamrpn_r50_20e import (
    dataloader,
    lr_multiplier,
    model,
    optimizer,
    set_epoch_iters,
    train,
)

dataloader.test.dataset_dicts.names = "otb100_test"
model.tracker.update(penalty_k=0.4, window_influence=0.5, lr=0.4)

dataloader.train.total_batch_size = 16 * 8
dataloader.train.mapper.grey_prob = 0.2
set_epoch_iters(4688)  # ceil(ceil(600000 / 8 GPUs) / 16 per GPU)
