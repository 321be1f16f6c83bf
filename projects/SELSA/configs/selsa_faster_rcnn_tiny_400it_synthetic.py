"""SELSA on the synthetic VID videos with a tiny from-scratch detector: trains on CPU in minutes.

The model of ``selsa_faster_rcnn_r50_dc5_7e_imagenetvid.py`` on ``common/models/
faster_rcnn_tiny_synthetic.py`` (16/32/64-wide ResNet, 128-channel neck, fc 256, 8 attention
heads); data ``common/data/synthetic_vid.py`` (2 references per key in training, 14 + the key at
test). ``make demo`` trains and evaluates it.
"""

from detectron2.config import LazyCall as L
from detectron2.layers import ShapeSpec

from d2track.config import get_config
from d2track.data import RefSampler
from d2track.modeling.memory import ReferenceMemory
from d2track.modeling.meta_arch import VideoRCNN
from d2track.modeling.roi_heads import SelsaBoxHead, VideoROIHeads

dataloader = get_config("common/data/synthetic_vid.py").dataloader
schedule = get_config("common/cpu_schedule_400it.py")
train, optimizer, lr_multiplier = schedule.train, schedule.optimizer, schedule.lr_multiplier

model = get_config("common/models/faster_rcnn_tiny_synthetic.py").model
model._target_ = VideoRCNN
# the test policy (the test loader delivers these frames too): 14 frames over the video
model.memory = L(ReferenceMemory)(
    sampler=L(RefSampler)(method="test_with_adaptive_stride", frame_range=[-7, 7])
)
model.roi_heads._target_ = VideoROIHeads
model.roi_heads.box_head = L(SelsaBoxHead)(
    input_shape=L(ShapeSpec)(channels=128, height=7, width=7),
    num_shared_fcs=2,
    fc_dim=256,
    num_attention_blocks=8,
)
