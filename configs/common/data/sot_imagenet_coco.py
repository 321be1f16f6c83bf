"""SiamRPN++'s training pairs from ImageNet VID, COCO and ImageNet DET, and a SOT test split.

MMTracking 0.x ``configs/sot/siamese_rpn/siamese_rpn_r50_20e_lasot.py`` (open-mmlab/mmtracking
at 29432562): a ``RandomSampleConcatDataset`` that draws each sample from ImageNet VID
(``imagenet_vid_train``: every annotated frame, one track per video and ``instance_id``), COCO
(``instances_train2017.json``: every object a one-frame track) and ImageNet DET
(``imagenet_det_train``: the 30+1-class json, every object a one-frame track) with probabilities
0.25 / 0.2 / 0.55 (:func:`~d2track.data.build.build_mixed_train_loader`), then
``PairSampling(frame_range=100, pos_prob=0.8)`` (:class:`~d2track.data.SOTPairDataset`'s
defaults) and ``SeqCropLikeSiamFC(context_amount=0.5, exemplar_size=127, crop_size=511)`` +
``SeqShiftScaleAug(target_size=[127, 255], shift=[4, 64], scale=[0.05, 0.18])``
(:class:`~d2track.data.SOTTrainMapper`'s defaults). 28 pairs per GPU on 8 GPUs: 224 per
iteration. Raw BGR pixels, as MMTracking.

COCO is read with the CocoVID loader (images without ``video_id`` become one-frame videos) from
``$DETECTRON2_DATASETS/coco`` (default ``datasets/coco``), Detectron2's COCO layout; nothing is
read until the loader is built.

Test: the test loader and evaluator of ``common/data/synthetic_sot.py`` on ``lasot_test``: whole
videos in frame order (:class:`~d2track.data.SOTTestMapper`), scored with OPE by
:class:`~d2track.evaluation.SOTEvaluator` (MMTracking's ``eval_sot_ope``; LaSOT's
``full_occlusion`` / ``out_of_view`` flags make it count only visible frames, as MMTracking's
``only_eval_visible=True``). Experiment configs change ``dataloader.test.dataset_dicts.names``
and the evaluator.
"""

from detectron2.config import LazyCall as L
from omegaconf import OmegaConf

import d2track.data  # noqa: F401  (registers the builtin splits)
from d2track.config import get_config
from d2track.data import SOTPairDataset, SOTTrainMapper
from d2track.data.build import build_mixed_train_loader, get_video_dataset_dicts
from d2track.data.datasets import load_cocovid_json

_COCO = "${oc.env:DETECTRON2_DATASETS,datasets}/coco"

dataloader = OmegaConf.create()

dataloader.train = L(build_mixed_train_loader)(
    datasets=[
        L(SOTPairDataset)(dataset_dicts=L(get_video_dataset_dicts)(names="imagenet_vid_train")),
        L(SOTPairDataset)(
            dataset_dicts=L(load_cocovid_json)(
                json_file=f"{_COCO}/annotations/instances_train2017.json",
                image_root=f"{_COCO}/train2017",
            )
        ),
        L(SOTPairDataset)(dataset_dicts=L(get_video_dataset_dicts)(names="imagenet_det_train")),
    ],
    ratios=[0.25, 0.2, 0.55],
    mapper=L(SOTTrainMapper)(image_format="BGR"),
    total_batch_size=28 * 8,
    aspect_ratio_grouping=False,  # crops are square
    num_workers=4,
)

_sot_test = get_config("common/data/synthetic_sot.py").dataloader
dataloader.test, dataloader.evaluator = _sot_test.test, _sot_test.evaluator
dataloader.test.update(dataset_dicts=L(get_video_dataset_dicts)(names="lasot_test"), num_workers=4)
