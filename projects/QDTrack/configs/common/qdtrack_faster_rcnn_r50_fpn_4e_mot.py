"""QDTrack R50-FPN trained 4 epochs on MOTChallenge frame pairs: the base of the MOT configs.

MMTracking 0.x ``configs/mot/qdtrack/qdtrack_faster-rcnn_r50_fpn_4e_mot17-private-half.py`` (with
its ``_base_`` files ``qdtrack_faster-rcnn_r50_fpn_4e_base.py``, ``mot_challenge.py``,
``default_runtime.py``):

* ``model``: ``qdtrack_faster_rcnn_r50_fpn.py``; ``train.init_checkpoint``: MMDetection's COCO
  person Faster R-CNN (``faster_rcnn_r50_fpn_1x_coco-person``) converted with
  ``tools/convert_mmtrack_checkpoint.py --method qdtrack`` (the converted file, not shipped);
* ``dataloader.train``: key frames of ``mot17_half_train`` (every box, MMTracking's
  ``visibility_thr=-1``), each with one reference frame drawn uniformly within +-10 frames (not
  the key itself); resized together to fit 1088 x 1088 with a random scale in [0.8, 1.2] and
  flipped together (``configs/common/data/mot17.py``); BGR; 16 frames per iteration (2 per GPU
  on 8 GPUs);
* ``dataloader.test``: ``mot17_half_val`` at 1088 x 612, one frame at a time in video order,
  scored by :class:`~d2track.evaluation.MOTEvaluator` (HOTA, CLEAR, Identity);
* SGD lr 0.02, momentum 0.9, weight decay 1e-4, gradient norm clipped at 35; no warm-up (the
  0.x ``lr_config = dict(policy="step", step=[3])`` and its bases have none); lr x 0.1 after
  epoch 3 of 4; a checkpoint and an evaluation every epoch (MMTracking's ``interval=1``).

An epoch is every train frame once in batches of 16: :func:`use_mot` sets the splits and its
length (frames // 16, as ``configs/common/mot_schedule.py``).

Not reproduced from MMTracking's train pipeline: ``SeqPhotoMetricDistortion``, the per-frame
``SeqRandomCrop`` to 1088 x 1088 (d2track's augmentations are shared by the frames of a sample),
and ``MatchInstances(skip_nomatch=True)`` (a pair without a common object is trained on here: its
``loss_track`` is 0, its ``loss_track_aux`` pushes all pairs apart).
"""

from detectron2.config import LazyCall as L
from detectron2.model_zoo import get_config as d2_config
from detectron2.solver import WarmupParamScheduler
from fvcore.common.param_scheduler import MultiStepParamScheduler

from d2track.config import get_config
from d2track.data import RefSampler

from .qdtrack_faster_rcnn_r50_fpn import model

EPOCHS = 4
LR_STEP = 3
IMS_PER_BATCH = 16
#: frames of each train split (one per annotated image of its CocoVID json)
TRAIN_FRAMES = {"mot17_half_train": 2664, "mot17_train": 5316, "mot20_train": 8931}

dataloader = get_config("common/data/mot17.py").dataloader
dataloader.train.dataset.ref_sampler = L(RefSampler)(
    method="uniform", num_ref_imgs=1, frame_range=10, filter_key_img=True
)
dataloader.train.total_batch_size = IMS_PER_BATCH

optimizer = d2_config("common/optim.py").SGD
optimizer.lr = 0.02
optimizer.momentum = 0.9
optimizer.weight_decay = 1e-4

lr_multiplier = L(WarmupParamScheduler)(
    scheduler=L(MultiStepParamScheduler)(values=[1.0, 0.1], milestones=[], num_updates=1),
    warmup_length=0.0,  # none
    warmup_factor=1.0,
)

train = d2_config("common/train.py").train
train.init_checkpoint = "checkpoints/faster_rcnn_r50_fpn_1x_coco-person_d2.pth"
train.grad_clip = dict(max_norm=35.0, norm_type=2.0)


def set_epoch_iters(epoch_iters):
    """The 4-epoch schedule, checkpoints and evaluations for epochs of ``epoch_iters``."""
    train.max_iter = EPOCHS * epoch_iters
    train.checkpointer.period = train.eval_period = epoch_iters
    lr_multiplier.scheduler.milestones = [LR_STEP * epoch_iters]
    lr_multiplier.scheduler.num_updates = train.max_iter


def use_mot(train_split, test_split, *, benchmark="MOT17", format_only=False):
    """Train on ``train_split`` (a key of :data:`TRAIN_FRAMES`) with its epoch length, test on
    ``test_split``; ``format_only`` for test splits (MOTChallenge txt files, no scores)."""
    dataloader.train.dataset.dataset_dicts.names = train_split
    dataloader.test.dataset_dicts.names = test_split
    dataloader.evaluator.benchmark = benchmark
    dataloader.evaluator.format_only = format_only
    set_epoch_iters(TRAIN_FRAMES[train_split] // IMS_PER_BATCH)


use_mot("mot17_half_train", "mot17_half_val")
