"""QDTrack R50-FPN, 4 epochs on all of MOT20 train, for a MOT20 test (private) submission.

MMTracking has no MOT20 QDTrack config: this is the MOT17 recipe
(``common/qdtrack_faster_rcnn_r50_fpn_4e_mot.py``: network, tracker, pairs within +-10 frames,
schedule) on ``mot20_train`` (8,931 frames: 558 iterations per epoch) with the MOT20 frame sizes
of ``configs/common/data/mot20.py`` (MOT20's sequences have several shapes), writing MOTChallenge
txt files for ``mot20_test`` (``format_only``). Unverified: MOT20's crowds may want more
detections per frame (``model.detector.roi_heads.box_predictor.test_topk_per_image``).
"""

from d2track.config import get_config

from .common.qdtrack_faster_rcnn_r50_fpn_4e_mot import (
    dataloader,
    lr_multiplier,
    model,
    optimizer,
    train,
    use_mot,
)

_mot20 = get_config("common/data/mot20.py").dataloader
dataloader.train.mapper = _mot20.train.mapper
dataloader.test.mapper = _mot20.test.mapper
use_mot("mot20_train", "mot20_test", benchmark="MOT20", format_only=True)
