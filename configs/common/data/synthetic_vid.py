"""Data loaders for the builtin synthetic VID videos (256x256 frames, 6 classes).

Training: each sample is a key frame and 2 references drawn with MMTracking's FGFA-style sampler
(``bilateral_uniform`` within 9 frames) but with ``filter_key_img=False``: the key frame may be its
own reference. MMTracking (and ``imagenet_vid.py``) exclude the key; the synthetic setting stays
as it is because the 3-seed synthetic tables in the VID project READMEs were measured with it.
Test: frames in video order, one at a time, with the reference frames of the model's test
sampler (``model.memory.sampler``, e.g. SELSA's ``test_with_adaptive_stride``: 14 frames spread
over the video, delivered with frame 0; none without one);
:class:`~d2track.evaluation.VIDEvaluator` scores bbox AP with MMTracking's conventions.
"""

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from detectron2.data import build_detection_train_loader
from omegaconf import OmegaConf

import d2track.data  # noqa: F401  (registers the synthetic splits)
from d2track.data import RefSampler, VideoFrameDataset, VideoTestMapper, VideoTrainMapper
from d2track.data.build import build_video_test_loader, get_video_dataset_dicts
from d2track.evaluation import VIDEvaluator

dataloader = OmegaConf.create()

dataloader.train = L(build_detection_train_loader)(
    dataset=L(VideoFrameDataset)(
        dataset_dicts=L(get_video_dataset_dicts)(names="synthetic_vid_train"),
        ref_sampler=L(RefSampler)(
            method="bilateral_uniform", num_ref_imgs=2, frame_range=9, filter_key_img=False
        ),
    ),
    mapper=L(VideoTrainMapper)(
        augmentations=[L(T.RandomFlip)(horizontal=True)],
        image_format="BGR",
    ),
    total_batch_size=2,
    num_workers=2,
)

dataloader.test = L(build_video_test_loader)(
    dataset_dicts=L(get_video_dataset_dicts)(names="synthetic_vid_val"),
    mapper=L(VideoTestMapper)(augmentations=[], image_format="${...train.mapper.image_format}"),
    # The test reference policy is the model's (one statement, in the model config); none for a
    # model without one (a single-frame detector, DFF) or with an online memory.
    ref_sampler="${oc.select:model.memory.sampler,null}",
    num_workers=2,
)

dataloader.evaluator = L(VIDEvaluator)(dataset_name="${..test.dataset_dicts.names}")
