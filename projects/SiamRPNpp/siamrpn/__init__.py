"""SiamRPN++ (Li et al., CVPR 2019), importable as ``d2track.projects.siamrpn``.

The network of MMTracking 0.x ``configs/sot/siamese_rpn/siamese_rpn_r50_20e_lasot.py``:
:class:`SOTResNet` backbone, :class:`ChannelMapperNeck`, :class:`SiameseRPNHead` and the
:class:`SiamRPNpp` model (training losses and the tracker-facing ``template_features`` /
``search_outputs``), and the training recipe's :class:`SiameseRPNParamScheduler`,
:func:`backbone_lr_params` and :class:`BackboneFreezeHook`. Importing it registers the
MMTracking checkpoint rules (``tools/convert_mmtrack_checkpoint.py --method siamrpn``).
"""

from d2track.checkpoint import register_method_rules

from .anchors import anchor_sizes, siamrpn_anchors
from .backbone import SOTBottleneck, SOTResNet
from .checkpoint import checkpoint_rules
from .head import CorrelationHead, SiameseRPNHead, depthwise_xcorr
from .hooks import BackboneFreezeHook
from .loss import negative_pair_targets, positive_pair_targets, siamrpn_losses
from .meta_arch import SiamRPNpp
from .neck import ChannelMapperNeck, center_crop
from .schedule import (
    SIAMRPN_LR_STAGES,
    SiameseRPNParamScheduler,
    backbone_lr_params,
    siamrpn_epoch_factors,
)

__all__ = [
    "BackboneFreezeHook",
    "ChannelMapperNeck",
    "CorrelationHead",
    "SIAMRPN_LR_STAGES",
    "SOTBottleneck",
    "SOTResNet",
    "SiamRPNpp",
    "SiameseRPNHead",
    "SiameseRPNParamScheduler",
    "anchor_sizes",
    "backbone_lr_params",
    "center_crop",
    "checkpoint_rules",
    "depthwise_xcorr",
    "negative_pair_targets",
    "positive_pair_targets",
    "siamrpn_anchors",
    "siamrpn_epoch_factors",
    "siamrpn_losses",
]

register_method_rules("siamrpn", checkpoint_rules())
