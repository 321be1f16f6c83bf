"""SiamRPN++ R50, 20 epochs on ImageNet VID + COCO + DET, run on the GOT-10k test split.

MMTracking 0.x has no SiameseRPN++ GOT-10k config (its GOT-10k configs are STARK's and
MixFormer's), so this is the LaSOT recipe and tracker values (``common/siamrpn_r50_20e.py``)
on ``got10k_test``, whose ground truth is the first frame's box only: the evaluator writes
``<output_dir>/got10k_submission.zip`` for the server and scores nothing. Training on data other
than GOT-10k's train split breaks GOT-10k's one-shot protocol: report such results as such. For
local scores on the validation split: ``dataloader.test.dataset_dicts.names=got10k_val
dataloader.evaluator.format_only=False dataloader.evaluator.submission=null`` (its ``absence``
flags make OPE count only visible frames).
"""

from .common.siamrpn_r50_20e import dataloader, lr_multiplier, model, optimizer, train

dataloader.test.dataset_dicts.names = "got10k_test"
dataloader.evaluator.update(format_only=True, submission="got10k")
train.best_checkpoint = None  # format-only: no metric to keep the best by
