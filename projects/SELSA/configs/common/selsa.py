"""SELSA's modules, the one place they are stated: set on a Faster R-CNN of ``configs/common``.

MMTracking 0.x ``configs/vid/selsa/selsa_faster_rcnn_r50_dc5_1x_imagenetvid.py``: the box head's
two shared fcs each aggregate the RoI features of the reference frames (16 attention heads);
test references are 14 frames spread over the video plus the key frame (``adaptive_stride``).
The head's sizes follow the detector's: RoI features of the backbone's channels in, the box
predictor's input width out.
"""

from detectron2.config import LazyCall as L

from d2track.data import RefSampler
from d2track.modeling.memory import ReferenceMemory
from d2track.modeling.meta_arch import VideoRCNN
from d2track.modeling.roi_heads import SelsaBoxHead, VideoROIHeads


def selsa(model):
    """Turn the detector ``model`` (a config node) into SELSA, in place, and return it."""
    model._target_ = VideoRCNN
    # the test policy (the test loader delivers these frames too): 14 frames over the video
    model.memory = L(ReferenceMemory)(
        sampler=L(RefSampler)(method="test_with_adaptive_stride", frame_range=[-7, 7])
    )
    model.roi_heads._target_ = VideoROIHeads
    model.roi_heads.box_head = L(SelsaBoxHead)(
        input_shape=model.roi_heads.box_head.input_shape,  # the pooled RoIs, backbone channels
        num_shared_fcs=2,
        fc_dim="${..box_predictor.input_shape.channels}",
        num_attention_blocks=16,
    )
    return model
