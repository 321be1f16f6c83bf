"""Backbones and necks of d2track's video detectors, and ResNet stages with a dilated res5.

:func:`make_resnet_stages` builds the stages of Detectron2's ``ResNet`` as
``detectron2.modeling.backbone.build_resnet_backbone`` does from a yacs config (depth, ResNeXt
groups and width, ``res5_dilation``), so LazyConfigs can build the "DC5" ResNets of MMTracking's
VID configs (MMCV ``ResNet(strides=(1, 2, 2, 1), dilations=(1, 1, 1, 2))``: res5 keeps stride 16
and its 3x3 convs use dilation 2).
"""

from detectron2.modeling.backbone.resnet import BasicBlock, BottleneckBlock, ResNet

from .channel_mapper import ChannelMapper

__all__ = ["ChannelMapper", "make_resnet_stages"]

_BLOCKS_PER_STAGE = {
    18: [2, 2, 2, 2],
    34: [3, 4, 6, 3],
    50: [3, 4, 6, 3],
    101: [3, 4, 23, 3],
    152: [3, 8, 36, 3],
}


def make_resnet_stages(
    depth,
    *,
    norm="FrozenBN",
    stride_in_1x1=False,
    num_groups=1,
    width_per_group=64,
    res5_dilation=1,
    stem_out_channels=64,
):
    """The four stages (res2..res5) of a ResNet / ResNeXt, optionally with a dilated res5.

    Args:
        depth (int): 18, 34, 50, 101 or 152.
        norm (str): Detectron2 norm name of every block ("FrozenBN", "BN", ...).
        stride_in_1x1 (bool): True for MSRA/Caffe2 weights; False for torchvision/MMCV weights
            (``style="pytorch"``: the stride is on the 3x3 conv).
        num_groups, width_per_group (int): ResNeXt cardinality and width (1, 64 for ResNet;
            64, 4 for ResNeXt-101 64x4d). Bottleneck blocks only.
        res5_dilation (int): 1, or 2 for DC5 (res5 then has stride 1 instead of 2).
        stem_out_channels (int): the stem's output channels (64 for the standard stem).

    Returns:
        list[list[CNNBlockBase]]: the ``stages`` argument of ``ResNet``.
    """
    if depth not in _BLOCKS_PER_STAGE:
        raise ValueError(f"make_resnet_stages: depth must be one of {sorted(_BLOCKS_PER_STAGE)}")
    if res5_dilation not in (1, 2):
        raise ValueError(f"make_resnet_stages: res5_dilation must be 1 or 2, got {res5_dilation}")
    basic = depth < 50
    if basic and (res5_dilation != 1 or num_groups != 1):
        raise ValueError("make_resnet_stages: ResNet-18/34 support neither dilation nor groups")
    in_channels = stem_out_channels
    out_channels = 64 if basic else 256
    bottleneck_channels = num_groups * width_per_group
    stages = []
    for index, num_blocks in enumerate(_BLOCKS_PER_STAGE[depth]):
        dilation = res5_dilation if index == 3 else 1
        first_stride = 1 if index == 0 or dilation == 2 else 2
        kwargs = {"norm": norm}
        if not basic:
            kwargs.update(
                bottleneck_channels=bottleneck_channels,
                num_groups=num_groups,
                stride_in_1x1=stride_in_1x1,
                dilation=dilation,
            )
        stages.append(
            ResNet.make_stage(
                block_class=BasicBlock if basic else BottleneckBlock,
                num_blocks=num_blocks,
                stride_per_block=[first_stride] + [1] * (num_blocks - 1),
                in_channels=in_channels,
                out_channels=out_channels,
                **kwargs,
            )
        )
        in_channels = out_channels
        out_channels *= 2
        bottleneck_channels *= 2
    return stages
