"""MMTracking 0.x SiameseRPN++ checkpoint keys -> :class:`~.meta_arch.SiamRPNpp` keys.

One layout serves every MMTracking SiameseRPN++ R50 checkpoint (LaSOT, UAV123, TrackingNet,
OTB100, VOT2018): ``backbone.*`` (``SOTResNet``), ``neck.*`` (``ChannelMapper``), ``head.*``
(``SiameseRPNHead``). Only names change: no tensor is permuted (the head keeps MMTracking's
channel layout, and the stem takes BGR input as MMTracking's does). BatchNorm buffers, including
``num_batches_tracked``, are kept, so the converted state dict covers the model exactly.
"""

from d2track.checkpoint import Rule, resnet_rules

__all__ = ["checkpoint_rules"]

_BN = r"(weight|bias|running_mean|running_var|num_batches_tracked)"


def checkpoint_rules():
    """The rules registered as ``siamrpn`` (``--method siamrpn``).

    Returns:
        tuple[Rule]: tried in order, before the (here unused) Faster R-CNN detector rules.
    """
    branch = r"head\.(cls|reg)_heads\.(\d+)\.(kernel_convs|search_convs|head_convs\.[01])\."
    return (
        *resnet_rules(r"backbone\.", "backbone.", bn=_BN),
        Rule(r"neck\.convs\.(\d+)\.conv\.weight", r"neck.convs.\1.weight"),
        Rule(rf"neck\.convs\.(\d+)\.bn\.{_BN}", r"neck.convs.\1.norm.\2"),
        Rule(rf"{branch}conv\.(weight|bias)", r"head.\1_heads.\2.\3.\4"),
        Rule(rf"{branch}bn\.{_BN}", r"head.\1_heads.\2.\3.norm.\4"),
        Rule(r"head\.(cls|reg)_weight", r"head.\1_weight"),
    )
