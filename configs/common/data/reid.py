"""Data loaders and evaluator for a registered ReID split (default: MOT17's crops).

MMTracking 0.x ``configs/_base_/datasets/mot_challenge_reid.py``: training batches of 8
identities x 4 crops per process, crops resized to 256x128 (height x width) and flipped
horizontally with probability 0.5; test crops resized only; all-vs-all retrieval mAP and CMC
(:class:`~d2track.evaluation.ReIDEvaluator`) on ``val_20.txt``. RGB input, for ImageNet weights.

Other splits: ``dataloader.train.dataset.name=mot20_reid_train`` (and ``test``); see
:mod:`d2track.data.reid.builtin` for the names.
"""

from detectron2.config import LazyCall as L
from omegaconf import OmegaConf

import d2track.data  # noqa: F401  (registers the ReID splits)
from d2track.data.reid import (
    ReIDMapper,
    build_reid_test_loader,
    build_reid_train_loader,
    get_reid_dataset_dicts,
)
from d2track.evaluation import ReIDEvaluator

dataloader = OmegaConf.create()

dataloader.train = L(build_reid_train_loader)(
    dataset=L(get_reid_dataset_dicts)(name="mot17_reid_train"),
    mapper=L(ReIDMapper)(is_train=True, height=256, width=128, flip=True, image_format="RGB"),
    num_ids=8,
    ins_per_id=4,
    num_workers=4,
)

dataloader.test = L(build_reid_test_loader)(
    dataset=L(get_reid_dataset_dicts)(name="mot17_reid_val"),
    mapper=L(ReIDMapper)(
        is_train=False,
        height="${...train.mapper.height}",
        width="${...train.mapper.width}",
        image_format="${...train.mapper.image_format}",
    ),
    batch_size=64,
    num_workers=4,
)

dataloader.evaluator = L(ReIDEvaluator)(id_key="label")
