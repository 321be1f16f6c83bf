"""MMTracking 0.x SiameseRPN++ checkpoint keys -> :class:`~.meta_arch.SiamRPNpp` keys.

One layout serves every MMTracking SiameseRPN++ R50 checkpoint (LaSOT, UAV123, TrackingNet,
OTB100, VOT2018): ``backbone.*`` (``SOTResNet``), ``neck.*`` (``ChannelMapper``), ``head.*``
(``SiameseRPNHead``). Only names change: no tensor is permuted (the head keeps MMTracking's
channel layout, and the stem takes BGR input as MMTracking's does). BatchNorm buffers, including
``num_batches_tracked``, are kept, so the converted state dict covers the model exactly.
"""

from d2track.checkpoint import Rule

__all__ = ["checkpoint_rules"]

_BN = r"(weight|bias|running_mean|running_var|num_batches_tracked)"


def _backbone_rules():
    rules = [
        Rule(r"backbone\.conv1\.weight", "backbone.stem.conv1.weight"),
        Rule(rf"backbone\.bn1\.{_BN}", r"backbone.stem.conv1.norm.\1"),
    ]
    for k in range(1, 5):
        layer, res = rf"backbone\.layer{k}\.(\d+)\.", rf"backbone.res{k + 1}.\1."
        rules += [
            Rule(rf"{layer}conv([1-3])\.weight", rf"{res}conv\2.weight"),
            Rule(rf"{layer}bn([1-3])\.{_BN}", rf"{res}conv\2.norm.\3"),
            Rule(rf"{layer}downsample\.0\.weight", rf"{res}shortcut.weight"),
            Rule(rf"{layer}downsample\.1\.{_BN}", rf"{res}shortcut.norm.\2"),
        ]
    return rules


def checkpoint_rules():
    """The rules registered as ``siamrpn`` (``--method siamrpn``).

    Returns:
        tuple[Rule]: tried in order, before the (here unused) Faster R-CNN detector rules.
    """
    branch = r"head\.(cls|reg)_heads\.(\d+)\.(kernel_convs|search_convs|head_convs\.[01])\."
    return (
        *_backbone_rules(),
        Rule(r"neck\.convs\.(\d+)\.conv\.weight", r"neck.convs.\1.weight"),
        Rule(rf"neck\.convs\.(\d+)\.bn\.{_BN}", r"neck.convs.\1.norm.\2"),
        Rule(rf"{branch}conv\.(weight|bias)", r"head.\1_heads.\2.\3.\4"),
        Rule(rf"{branch}bn\.{_BN}", r"head.\1_heads.\2.\3.norm.\4"),
        Rule(r"head\.(cls|reg)_weight", r"head.\1_weight"),
    )
