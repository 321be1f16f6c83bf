"""Data loaders for ImageNet VID (+ DET, the 30 VID classes), as MMTracking 0.x's VID configs.

Training (``configs/_base_/datasets/imagenet_vid_fgfa_style.py``): the frames of the FGFA lists
(15 per train video, flagged ``is_vid_train_frame`` by ``datasets/prepare_imagenet_vid.py``)
plus the ImageNet DET images of the 30 VID classes (one-frame videos: their references are copies
of the key), each key with 2 references (``bilateral_uniform`` within 9 frames, the key excluded:
``filter_key_img=True``),
resized to a 600-px short side (1000 max) and flipped; 8 images per iteration (MMTracking: 8 GPUs x
1). RGB input, as the ImageNet-pretrained backbones of ``common/models/faster_rcnn_r50_dc5.py``.

Test: ``imagenet_vid_val`` in video order with the reference frames of the model's test sampler
(``model.memory.sampler``, e.g. SELSA's ``test_with_adaptive_stride``: 14 references over the
video), scored by :class:`~d2track.evaluation.VIDEvaluator` (MMDetection 2's bbox mAP).
"""

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from detectron2.data import build_detection_train_loader
from omegaconf import OmegaConf

import d2track.data  # noqa: F401  (registers the builtin splits)
from d2track.data import RefSampler, VideoFrameDataset, VideoTestMapper, VideoTrainMapper
from d2track.data.build import build_video_test_loader, get_video_dataset_dicts
from d2track.evaluation import VIDEvaluator

dataloader = OmegaConf.create()

dataloader.train = L(build_detection_train_loader)(
    dataset=L(VideoFrameDataset)(
        dataset_dicts=L(get_video_dataset_dicts)(
            names=["imagenet_vid_train", "imagenet_det_train_30cls"]
        ),
        ref_sampler=L(RefSampler)(
            method="bilateral_uniform", num_ref_imgs=2, frame_range=9, filter_key_img=True
        ),
        train_frames_only=True,
    ),
    mapper=L(VideoTrainMapper)(
        augmentations=[
            L(T.ResizeShortestEdge)(short_edge_length=600, max_size=1000),
            L(T.RandomFlip)(horizontal=True),
        ],
        image_format="RGB",
    ),
    total_batch_size=8,
    num_workers=4,
)

dataloader.test = L(build_video_test_loader)(
    dataset_dicts=L(get_video_dataset_dicts)(names="imagenet_vid_val"),
    mapper=L(VideoTestMapper)(
        augmentations=[L(T.ResizeShortestEdge)(short_edge_length=600, max_size=1000)],
        image_format="${...train.mapper.image_format}",
    ),
    # The test reference policy is the model's (one statement, in the model config); none for a
    # model without one (a single-frame detector, DFF) or with an online memory.
    ref_sampler="${oc.select:model.memory.sampler,null}",
    num_workers=4,
)

dataloader.evaluator = L(VIDEvaluator)(dataset_name="${..test.dataset_dicts.names}")
