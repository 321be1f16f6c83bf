"""QDTrack R50-FPN, 4 epochs on all of MOT17 train, for a MOT17 test (private) submission.

The recipe of ``qdtrack_faster_rcnn_r50_fpn_4e_mot17_halfval_private.py`` on ``mot17_train``
(5,316 frames: 332 iterations per epoch); ``--eval-only`` on ``mot17_test`` only writes one
MOTChallenge txt per sequence under ``<output_dir>/mot_results`` (``format_only``: the test split
has no ground truth); zip them for the server.
"""

from .common.qdtrack_faster_rcnn_r50_fpn_4e_mot import (
    dataloader,
    lr_multiplier,
    model,
    optimizer,
    train,
    use_mot,
)

use_mot("mot17_train", "mot17_test", format_only=True)
