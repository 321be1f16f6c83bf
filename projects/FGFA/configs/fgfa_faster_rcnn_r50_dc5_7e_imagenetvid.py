"""FGFA with a ResNet-50-DC5 Faster R-CNN on ImageNet VID + DET.

MMTracking 0.x ``configs/vid/fgfa/fgfa_faster_rcnn_r50_dc5_1x_imagenetvid.py``: the features of
2 references (training) or of a 31-frame window (test, ``fix_stride``: 15 frames on each side of
the key, MMTracking's ``imagenet_vid_fgfa_style.py``) are warped to the key frame by FlowNetSimple's
flow and averaged with per-pixel cosine weights of an embedding network.
"""

from detectron2.config import LazyCall as L

from d2track.config import get_config
from d2track.data import RefSampler
from d2track.modeling.flow import FlowNetSimple
from d2track.modeling.memory import ReferenceMemory
from d2track.projects.fgfa import FGFA, EmbedAggregator

dataloader = get_config("common/data/imagenet_vid.py").dataloader
dataloader.train.dataset.ref_sampler = L(RefSampler)(
    method="bilateral_uniform", num_ref_imgs=2, frame_range=9, filter_key_img=True
)
schedule = get_config("common/vid_schedule.py")
train, optimizer, lr_multiplier = schedule.train, schedule.optimizer, schedule.lr_multiplier

model = get_config("common/models/faster_rcnn_r50_dc5.py").model
model._target_ = FGFA
# the test policy (the test loader delivers these frames too): a 31-frame window, stride 1
model.memory = L(ReferenceMemory)(
    sampler=L(RefSampler)(method="test_with_fix_stride", frame_range=[-15, 15], stride=1)
)
model.motion = L(FlowNetSimple)(
    img_scale_factor=0.5, pixel_mean="${..pixel_mean}", pixel_std="${..pixel_std}"
)
model.aggregator = L(EmbedAggregator)(num_convs=1, channels=512, kernel_size=3)
