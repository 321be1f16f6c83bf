"""FGFA's modules, set on a VID experiment of ``configs/common``: the one place they are stated.

MMTracking 0.x ``configs/vid/fgfa/fgfa_faster_rcnn_r50_dc5_1x_imagenetvid.py``: the features of
2 references (training) or of a 31-frame window (test, ``fix_stride``: 15 frames on each side of
the key, MMTracking's ``imagenet_vid_fgfa_style.py``) are warped to the key frame by the
experiment's FlowNetSimple flow and averaged with per-pixel cosine weights of an embedding
network on the backbone's features.
"""

from detectron2.config import LazyCall as L

from d2track.data import RefSampler
from d2track.modeling.memory import ReferenceMemory
from d2track.projects.fgfa import FGFA, EmbedAggregator


def fgfa(exp):
    """Turn the experiment ``exp`` (``configs/common/vid_*.py``) into FGFA, in place; return it."""
    # training references never include the key frame itself (MMTracking's FGFA style)
    exp.dataloader.train.dataset.ref_sampler.filter_key_img = True
    model = exp.model
    model._target_ = FGFA
    # the test policy (the test loader delivers these frames too): a 31-frame window, stride 1
    model.memory = L(ReferenceMemory)(
        sampler=L(RefSampler)(method="test_with_fix_stride", frame_range=[-15, 15], stride=1)
    )
    model.motion = exp.flownet
    model.aggregator = L(EmbedAggregator)(
        num_convs=1, channels="${..backbone.out_channels}", kernel_size=3
    )
    return exp
