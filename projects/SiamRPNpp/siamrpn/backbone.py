"""SOT ResNet: the dilated, unpadded ResNet of SiamRPN++ (MMTracking 0.x ``SOTResNet``).

Differs from Detectron2's ResNet only in its paddings and shortcuts, which decide the feature
sizes (127 -> 15x15, 255 -> 31x31 at stride 8) and must match for converted weights:

* stem: 7x7 conv, stride 2, **no padding**, BN, ReLU, then 3x3 max pool, stride 2, padding 1;
* the 3x3 conv of a block: padding ``2 - stride`` (stride 2: none); in a dilated stage the
  padding equals the dilation, except in the stage's first block, which uses half the dilation
  (as dilation and padding);
* shortcut of a stage's first block: 1x1 conv if the stage neither strides nor dilates, else a
  3x3 conv with stride ``stride``, dilation and padding ``dilation // 2`` (stride 2: padding 0).

Freezing (SiamRPN++'s recipe: the whole backbone frozen, then res3-res5 trained from epoch 10
with ``lr_mult=0.1``) is :attr:`SOTResNet.freeze_at`, Detectron2's convention: 0 nothing frozen,
1 the stem, k the stem and res2 .. res{k}. A hook flips it during training, e.g.
``model.backbone.freeze_at = 2`` (MMTracking's ``backbone_train_layers=[layer2, layer3, layer4]``).
Frozen stages run under ``torch.no_grad()`` with their BatchNorms in eval mode (MMTracking's
``norm_eval``); their parameters keep ``requires_grad=True``, so that an optimizer built at the
start (Detectron2's ``get_default_optimizer_params`` skips parameters that do not require grad)
and DDP (which only syncs parameters that required grad when it was built) include them: their
gradients are None while frozen, so SGD neither moves nor decays them. With DDP, build it with
``find_unused_parameters=True`` (as MMTracking does).
"""

import fvcore.nn.weight_init as weight_init
import torch
from detectron2.layers import CNNBlockBase, Conv2d, ShapeSpec, get_norm
from detectron2.modeling import Backbone
from torch import nn
from torch.nn import functional as F

__all__ = ["SOTBottleneck", "SOTResNet"]

_STAGES = ("stem", "res2", "res3", "res4", "res5")


class SOTBottleneck(CNNBlockBase):
    """1x1 -> 3x3 (strided / dilated, SOT padding) -> 1x1 bottleneck with a SOT shortcut."""

    def __init__(self, *, in_channels, planes, stride=1, dilation=1, first=False, norm="BN"):
        """
        Args:
            planes (int): bottleneck width; the block outputs ``4 * planes`` channels.
            stride, dilation (int): of the stage (stride only applies in its first block).
            first (bool): the stage's first block (gets a shortcut conv if shapes change).
        """
        out_channels = 4 * planes
        super().__init__(in_channels, out_channels, stride)
        self.shortcut = None
        if first and (stride != 1 or in_channels != out_channels):
            self.shortcut = _shortcut(in_channels, out_channels, stride, dilation, norm)
        padding = 2 - stride
        if dilation > 1:  # the first block of a dilated stage uses half the dilation
            dilation = dilation // 2 if self.shortcut is not None else dilation
            padding = dilation
        self.conv1 = Conv2d(in_channels, planes, 1, bias=False, norm=get_norm(norm, planes))
        self.conv2 = Conv2d(
            planes,
            planes,
            3,
            stride=stride,
            padding=padding,
            dilation=dilation,
            bias=False,
            norm=get_norm(norm, planes),
        )
        self.conv3 = Conv2d(planes, out_channels, 1, bias=False, norm=get_norm(norm, out_channels))
        for layer in (self.conv1, self.conv2, self.conv3, self.shortcut):
            if layer is not None:
                weight_init.c2_msra_fill(layer)

    def forward(self, x):
        out = F.relu_(self.conv1(x))
        out = F.relu_(self.conv2(out))
        out = self.conv3(out)
        return F.relu_(out + (x if self.shortcut is None else self.shortcut(x)))


def _shortcut(in_channels, out_channels, stride, dilation, norm):
    """MMTracking's ``SOTResLayer`` downsample for a stage of ``stride`` and ``dilation``."""
    if stride == 1 and dilation == 1:
        return Conv2d(in_channels, out_channels, 1, bias=False, norm=get_norm(norm, out_channels))
    return Conv2d(
        in_channels,
        out_channels,
        3,
        stride=stride,
        padding=dilation // 2 if dilation > 1 else 0,
        dilation=max(dilation // 2, 1),
        bias=False,
        norm=get_norm(norm, out_channels),
    )


class _SOTStem(nn.Module):
    def __init__(self, *, out_channels, norm):
        super().__init__()
        self.conv1 = Conv2d(
            3, out_channels, 7, stride=2, bias=False, norm=get_norm(norm, out_channels)
        )
        weight_init.c2_msra_fill(self.conv1)

    def forward(self, x):
        return F.max_pool2d(F.relu_(self.conv1(x)), kernel_size=3, stride=2, padding=1)


class SOTResNet(Backbone):
    """SOT ResNet with bottleneck blocks; defaults are MMTracking's SOTResNet-50.

    Stage names follow Detectron2 (``res2`` .. ``res5`` = MMTracking's ``layer1`` .. ``layer4``);
    at the defaults ``res3``, ``res4``, ``res5`` all have stride 8 and 512, 1024, 2048 channels.
    A tiny variant that trains on CPU in minutes: ``stage_blocks=(1, 1, 1, 1)``,
    ``stem_channels=16``, ``base_planes=8`` (outputs 64, 128, 256 channels).
    """

    def __init__(
        self,
        *,
        stage_blocks=(3, 4, 6, 3),
        stem_channels=64,
        base_planes=64,
        strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4),
        out_features=("res3", "res4", "res5"),
        norm="BN",
        freeze_at=0,
    ):
        """
        Args:
            stage_blocks (tuple[int]): blocks in res2 .. res5.
            stem_channels (int): stem output channels.
            base_planes (int): bottleneck width of res2, doubled in each later stage.
            strides, dilations (tuple[int]): of res2 .. res5.
            out_features (tuple[str]): returned stages, in order.
            norm (str): Detectron2 norm name ("BN", "SyncBN", ...).
            freeze_at (int): see the module docstring and :attr:`freeze_at`.
        """
        super().__init__()
        self.stem = _SOTStem(out_channels=stem_channels, norm=norm)
        self._out_features = tuple(out_features)
        self._out_feature_channels, self._out_feature_strides = {}, {}
        channels, total_stride = stem_channels, 4
        for i, (num, stride, dilation) in enumerate(zip(stage_blocks, strides, dilations)):
            planes, name = base_planes * 2**i, f"res{i + 2}"
            blocks = [
                SOTBottleneck(
                    in_channels=channels if j == 0 else 4 * planes,
                    planes=planes,
                    stride=stride if j == 0 else 1,
                    dilation=dilation,
                    first=j == 0,
                    norm=norm,
                )
                for j in range(num)
            ]
            self.add_module(name, nn.Sequential(*blocks))
            channels, total_stride = 4 * planes, total_stride * stride
            self._out_feature_channels[name] = channels
            self._out_feature_strides[name] = total_stride
        self.stage_names = _STAGES[: len(stage_blocks) + 1]
        self._strides = tuple(strides)
        self.freeze_at = freeze_at

    @property
    def freeze_at(self):
        """int: the stem and res2 .. res{freeze_at} are frozen (0: none). Setting it applies at
        once (BatchNorm modes included) and stays across ``model.train()`` calls."""
        return self._freeze_at

    @freeze_at.setter
    def freeze_at(self, value):
        if not 0 <= value <= len(self.stage_names):
            raise ValueError(f"freeze_at={value}: must be in [0, {len(self.stage_names)}]")
        self._freeze_at = int(value)
        self.train(self.training)

    def train(self, mode=True):
        super().train(mode)
        for name in self.stage_names[: self._freeze_at]:
            getattr(self, name).eval()  # frozen: BatchNorm statistics fixed (norm_eval)
        return self

    def forward(self, x):
        """
        Args:
            x (Tensor): (N, 3, H, W) normalised images.

        Returns:
            dict[str, Tensor]: ``{name: (N, C_name, h, w)}`` for ``out_features``.
        """
        outputs = {}
        for i, name in enumerate(self.stage_names):
            with torch.set_grad_enabled(torch.is_grad_enabled() and i >= self._freeze_at):
                x = getattr(self, name)(x)
            if name in self._out_features:
                outputs[name] = x
        return outputs

    def output_shape(self):
        return {
            name: ShapeSpec(
                channels=self._out_feature_channels[name], stride=self._out_feature_strides[name]
            )
            for name in self._out_features
        }

    def output_size(self, input_size):
        """Side of the (square) output features for a square input of side ``input_size``.

        E.g. 127 -> 15 and 255 -> 31 (the stem gives 61 / 125, the pool 31 / 63; res3 halves
        without padding); every out feature has this size (strides are 1 after res3).
        """
        size = (input_size - 7) // 2 + 1
        size = (size - 1) // 2 + 1
        for stride in self._strides:
            size = size if stride == 1 else (size - 3) // stride + 1
        return size
