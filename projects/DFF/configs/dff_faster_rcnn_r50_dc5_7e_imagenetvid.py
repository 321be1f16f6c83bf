"""DFF with a ResNet-50-DC5 Faster R-CNN on ImageNet VID + DET.

MMTracking 0.x ``configs/vid/dff/dff_faster_rcnn_r50_dc5_1x_imagenetvid.py``: training pairs a
key frame with one reference within 9 frames; the backbone runs on the reference only and its
features are warped to the key frame by FlowNetSimple's flow. At test, features are computed on
every 10th frame and warped to the others. Initialise the backbone from ImageNet and the flow net
from FlowNet weights (see the README).
"""

from detectron2.config import LazyCall as L

from d2track.config import get_config
from d2track.data import RefSampler
from d2track.modeling.flow import FlowNetSimple
from d2track.projects.dff import DFF

dataloader = get_config("common/data/imagenet_vid.py").dataloader
dataloader.train.dataset.ref_sampler = L(RefSampler)(
    method="uniform", num_ref_imgs=1, frame_range=9, filter_key_img=False
)
schedule = get_config("common/vid_schedule.py")
train, optimizer, lr_multiplier = schedule.train, schedule.optimizer, schedule.lr_multiplier

model = get_config("common/models/faster_rcnn_r50_dc5.py").model
model._target_ = DFF
model.motion = L(FlowNetSimple)(
    img_scale_factor=0.5, pixel_mean="${..pixel_mean}", pixel_std="${..pixel_std}"
)
model.key_frame_interval = 10
