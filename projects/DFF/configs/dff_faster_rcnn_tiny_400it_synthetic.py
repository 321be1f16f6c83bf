"""DFF on the synthetic VID videos with the tiny CPU detector and a flow net 8x narrower.

The model of ``dff_faster_rcnn_r50_dc5_7e_imagenetvid.py`` on ``common/models/
faster_rcnn_tiny_synthetic.py``; FlowNetSimple with ``width_divisor=8`` (0.6M parameters),
trained from scratch with the detector from a zero flow (MMTracking starts from pretrained
FlowNet weights; a random flow net scrambles the warped features: mAP@50 7.7).
"""

from detectron2.config import LazyCall as L

from d2track.config import get_config
from d2track.data import RefSampler
from d2track.modeling.flow import FlowNetSimple
from d2track.projects.dff import DFF

dataloader = get_config("common/data/synthetic_vid.py").dataloader
dataloader.train.dataset.ref_sampler = L(RefSampler)(
    method="uniform", num_ref_imgs=1, frame_range=9, filter_key_img=False
)
schedule = get_config("common/cpu_schedule_400it.py")
train, optimizer, lr_multiplier = schedule.train, schedule.optimizer, schedule.lr_multiplier

model = get_config("common/models/faster_rcnn_tiny_synthetic.py").model
model._target_ = DFF
model.motion = L(FlowNetSimple)(
    img_scale_factor=0.5,
    pixel_mean="${..pixel_mean}",
    pixel_std="${..pixel_std}",
    width_divisor=8,
    zero_init_flow=True,  # no pretrained FlowNet here: start from the identity warp
)
model.key_frame_interval = 10
