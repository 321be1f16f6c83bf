"""DFF's modules, set on a VID experiment of ``configs/common``: the one place they are stated.

MMTracking 0.x ``configs/vid/dff/dff_faster_rcnn_r50_dc5_1x_imagenetvid.py``: training pairs a
key frame with one reference within 9 frames; the backbone runs on the reference only and its
features are warped to the key frame by the experiment's FlowNetSimple flow. At test, features
are computed on every 10th frame and warped to the others.
"""

from detectron2.config import LazyCall as L

from d2track.data import RefSampler
from d2track.projects.dff import DFF


def dff(exp):
    """Turn the experiment ``exp`` (``configs/common/vid_*.py``) into DFF, in place; return it."""
    exp.dataloader.train.dataset.ref_sampler = L(RefSampler)(
        method="uniform", num_ref_imgs=1, frame_range=9, filter_key_img=False
    )
    exp.model._target_ = DFF
    exp.model.motion = exp.flownet
    exp.model.key_frame_interval = 10
    return exp
