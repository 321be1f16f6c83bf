"""SELSA with a ResNet-50-DC5 Faster R-CNN on ImageNet VID + DET.

MMTracking 0.x ``configs/vid/selsa/selsa_faster_rcnn_r50_dc5_1x_imagenetvid.py``: the box head's
two shared fcs each aggregate the RoI features of the reference frames (16 attention heads);
test references are 14 frames spread over the video plus the key frame (``adaptive_stride``).
Initialise the backbone from ImageNet weights (``train.init_checkpoint``, see the README).
"""

from detectron2.config import LazyCall as L
from detectron2.layers import ShapeSpec

from d2track.config import get_config
from d2track.data import RefSampler
from d2track.modeling.memory import ReferenceMemory
from d2track.modeling.meta_arch import VideoRCNN
from d2track.modeling.roi_heads import SelsaBoxHead, VideoROIHeads

dataloader = get_config("common/data/imagenet_vid.py").dataloader
schedule = get_config("common/vid_schedule.py")
train, optimizer, lr_multiplier = schedule.train, schedule.optimizer, schedule.lr_multiplier

model = get_config("common/models/faster_rcnn_r50_dc5.py").model
model._target_ = VideoRCNN
# the test policy (the test loader delivers these frames too): 14 frames over the video
model.memory = L(ReferenceMemory)(
    sampler=L(RefSampler)(method="test_with_adaptive_stride", frame_range=[-7, 7])
)
model.roi_heads._target_ = VideoROIHeads
model.roi_heads.box_head = L(SelsaBoxHead)(
    input_shape=L(ShapeSpec)(channels=512, height=7, width=7),
    num_shared_fcs=2,
    fc_dim=1024,
    num_attention_blocks=16,
)
