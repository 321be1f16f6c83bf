"""SiamRPN++ R50, 20 epochs on ImageNet VID + COCO + DET, run on the TrackingNet test split.

MMTracking 0.x ``configs/sot/siamese_rpn/siamese_rpn_r50_20e_trackingnet.py``
(open-mmlab/mmtracking at fd5ef982; reported success 68.8, norm. precision 75.9, precision 63.2,
from the evaluation server): the LaSOT recipe and tracker values (``common/siamrpn_r50_20e.py``)
on ``trackingnet_test``, whose ground truth is the first frame's box only: the evaluator writes
``<output_dir>/trackingnet_submission.zip`` for the server and scores nothing.
"""

from .common.siamrpn_r50_20e import dataloader, lr_multiplier, model, optimizer, train

dataloader.test.dataset_dicts.names = "trackingnet_test"
dataloader.evaluator.update(format_only=True, submission="trackingnet")
train.best_checkpoint = None  # format-only: no metric to keep the best by
