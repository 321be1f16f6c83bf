"""Data loaders for the builtin synthetic single object tracking videos (256x256 frames).

Training: template/search pairs of MMTracking's SiamRPN++ recipe (``PairSampling``: search frame
within +-100 frames of the template, positive with probability 0.8; SiamFC crops of 511 px,
then 127/255 px windows with shift 4/64 px and scale 0.05/0.18 jitter, colour offsets on both
and cross blur on 20% of the search crops). As MMTracking mixes ImageNet VID, COCO and DET,
each pair comes from one of three synthetic training splits, drawn with probabilities
0.4 / 0.3 / 0.3: ``synthetic_sot_train200`` (one target among look-alike distractors, 200
tracks) and every object track of ``synthetic_vid_train200`` and ``synthetic_vis_train200``
(several objects of the same six looks per video; 200 videos each). These are the ``train``
splits with 10x the videos: on the 20-video splits the tiny SiamRPN++ fitted its training
videos and not others (see its config). Test: whole videos in frame order; the
tracker starts from frame 0's box and :class:`~d2track.evaluation.SOTEvaluator` scores OPE
success, precision and normalised precision (MMTracking's ``eval_sot_ope``). For the VOT reset
protocol set ``model.test_protocol.protocol = "vot"`` and
``dataloader.evaluator = L(VOTEvaluator)(...)``.
"""

from detectron2.config import LazyCall as L
from omegaconf import OmegaConf

import d2track.data  # noqa: F401  (registers the synthetic splits)
from d2track.data import SOTPairDataset, SOTTestMapper, SOTTrainMapper
from d2track.data.build import (
    build_mixed_train_loader,
    build_video_test_loader,
    get_video_dataset_dicts,
)
from d2track.evaluation import SOTEvaluator

dataloader = OmegaConf.create()

dataloader.train = L(build_mixed_train_loader)(
    datasets=[
        L(SOTPairDataset)(
            dataset_dicts=L(get_video_dataset_dicts)(names=f"synthetic_{task}_train200"),
            frame_range=100,
            pos_prob=0.8,
        )
        for task in ("sot", "vid", "vis")
    ],
    ratios=[0.4, 0.3, 0.3],
    mapper=L(SOTTrainMapper)(image_format="BGR"),  # its defaults are MMTracking's crops
    total_batch_size=8,
    aspect_ratio_grouping=False,  # crops are square
    num_workers=2,
)

dataloader.test = L(build_video_test_loader)(
    dataset_dicts=L(get_video_dataset_dicts)(names="synthetic_sot_val"),
    mapper=L(SOTTestMapper)(image_format="${...train.mapper.image_format}"),
    num_workers=2,
)

dataloader.evaluator = L(SOTEvaluator)(dataset_name="${..test.dataset_dicts.names}")
