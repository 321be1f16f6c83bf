"""FGFA on the synthetic VID videos with the tiny CPU detector and a flow net 8x narrower.

The model of ``fgfa_faster_rcnn_r50_dc5_7e_imagenetvid.py`` on ``common/models/
faster_rcnn_tiny_synthetic.py``, FlowNetSimple with ``width_divisor=8`` trained from scratch from a
zero flow (MMTracking starts from pretrained FlowNet weights), and
a 7-frame test window (3 on each side; MMTracking: 15) to keep CPU inference to seconds.
"""

from detectron2.config import LazyCall as L

from d2track.config import get_config
from d2track.data import RefSampler
from d2track.modeling.flow import FlowNetSimple
from d2track.modeling.memory import ReferenceMemory
from d2track.projects.fgfa import FGFA, EmbedAggregator

dataloader = get_config("common/data/synthetic_vid.py").dataloader
dataloader.train.dataset.ref_sampler = L(RefSampler)(
    method="bilateral_uniform", num_ref_imgs=2, frame_range=9, filter_key_img=True
)
schedule = get_config("common/cpu_schedule_400it.py")
train, optimizer, lr_multiplier = schedule.train, schedule.optimizer, schedule.lr_multiplier

model = get_config("common/models/faster_rcnn_tiny_synthetic.py").model
model._target_ = FGFA
# the test policy (the test loader delivers these frames too): a 7-frame window, stride 1
model.memory = L(ReferenceMemory)(
    sampler=L(RefSampler)(method="test_with_fix_stride", frame_range=[-3, 3], stride=1)
)
model.motion = L(FlowNetSimple)(
    img_scale_factor=0.5,
    pixel_mean="${..pixel_mean}",
    pixel_std="${..pixel_std}",
    width_divisor=8,
    zero_init_flow=True,  # no pretrained FlowNet here: start from the identity warp
)
model.aggregator = L(EmbedAggregator)(num_convs=1, channels=128, kernel_size=3)
