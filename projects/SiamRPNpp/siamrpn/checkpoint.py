"""MMTracking 0.x SiameseRPN++ checkpoint keys -> :class:`~.meta_arch.SiamRPNpp` keys.

One layout serves every MMTracking SiameseRPN++ R50 checkpoint (LaSOT, UAV123, TrackingNet,
OTB100, VOT2018): ``backbone.*`` (``SOTResNet``), ``neck.*`` (``ChannelMapper``), ``head.*``
(``SiameseRPNHead``). Only names change: no tensor is permuted (the head keeps MMTracking's
channel layout, and the stem takes BGR input as MMTracking's does). BatchNorm buffers, including
``num_batches_tracked``, are kept, so the converted state dict covers the model exactly.

The same rules convert the backbone that MMTracking's R50 recipe starts from, pysot's ImageNet
ResNet-50 (``sot_resnet50.model``, loaded by MMTracking's ``init_cfg`` into ``SOTResNet``): its
keys are the ResNet's own (``conv1.weight``, ``layer2.0.downsample.0.weight``, ...), maybe
under ``module.``, and become ``backbone.*``; the classifier ``fc`` is dropped. Convert it with
``--method siamrpn --imagenet`` (a plain state dict) and set it as ``train.init_checkpoint``.
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
        # pysot's ImageNet backbone (sot_resnet50.model): no prefix, or DataParallel's
        Rule(r"(module\.)?fc\.(weight|bias)", None),
        *resnet_rules(r"(?:module\.)?", "backbone.", bn=_BN),
    )
