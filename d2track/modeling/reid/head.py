"""The embedding head of the ReID model: pooled feature -> fc -> embedding, plus an ID classifier.

Matches MMTracking 0.x ``mmtrack/models/reid/linear_reid_head.py`` (``LinearReIDHead`` with
``num_fcs=1, in_channels=2048, fc_channels=1024, out_channels=128``, BN1d + ReLU after each fc):

* ``num_fcs`` blocks Linear -> BatchNorm1d -> ReLU (Kaiming-initialised, as MMCV's ``FcModule``);
* ``fc_out``: Linear to the embedding, N(0, 0.01) weights; the embedding is the test output and
  what the triplet loss sees;
* training only: BatchNorm1d on the embedding, then the identity classifier (N(0, 0.01)) for
  the cross-entropy loss (the "BNNeck" arrangement).
"""

from torch import nn
from torch.nn import functional as F

from .losses import triplet_loss_hard_mining

__all__ = ["LinearReIDHead"]


class LinearReIDHead(nn.Module):
    """fc layers to a (B, out_channels) embedding; cross-entropy + batch-hard triplet losses."""

    def __init__(
        self,
        *,
        in_channels,
        num_classes,
        num_fcs=1,
        fc_channels=1024,
        out_channels=128,
        norm=True,
        triplet_margin=0.3,
        loss_cls_weight=1.0,
        loss_triplet_weight=1.0,
    ):
        """
        Args:
            in_channels (int): channels of the pooled backbone feature (2048 for ResNet-50).
            num_classes (int): identities of the training set (classifier outputs); 0 for a
                head trained with the triplet loss only.
            num_fcs (int): hidden fc blocks before ``fc_out``.
            fc_channels (int): width of the hidden fc blocks.
            out_channels (int): embedding dimension.
            norm (bool): BatchNorm1d after each hidden fc (MMTracking's ``norm_cfg=BN1d``).
            triplet_margin (float): margin of the batch-hard triplet loss.
            loss_cls_weight, loss_triplet_weight (float): loss weights; 0 turns a loss off.
        """
        super().__init__()
        if num_classes < 0 or (num_classes == 0 and loss_cls_weight > 0):
            raise ValueError(f"LinearReIDHead: num_classes must be > 0, got {num_classes}")
        self.num_classes = num_classes
        self.out_channels = out_channels
        self.triplet_margin = triplet_margin
        self.loss_cls_weight = loss_cls_weight
        self.loss_triplet_weight = loss_triplet_weight
        layers, channels = [], in_channels
        for _ in range(num_fcs):
            fc = nn.Linear(channels, fc_channels)
            nn.init.kaiming_normal_(fc.weight, nonlinearity="relu")
            nn.init.zeros_(fc.bias)
            norm_layer = nn.BatchNorm1d(fc_channels) if norm else nn.Identity()
            layers += [fc, norm_layer, nn.ReLU(inplace=True)]
            channels = fc_channels
        self.fcs = nn.Sequential(*layers)
        self.fc_out = _normal_linear(channels, out_channels)
        if num_classes > 0:
            self.bn = nn.BatchNorm1d(out_channels)
            self.classifier = _normal_linear(out_channels, num_classes)

    def forward(self, x):
        """
        Args:
            x (Tensor): (B, in_channels) pooled features.

        Returns:
            Tensor: (B, out_channels) embeddings.
        """
        return self.fc_out(self.fcs(x))

    def losses(self, embeds, labels):
        """
        Args:
            embeds (Tensor): (B, out_channels), from :meth:`forward`.
            labels (Tensor): (B,) int64 identity labels in ``[0, num_classes)``.

        Returns:
            tuple[dict, Tensor or None]: ``{"loss_cls", "loss_triplet"}`` (the enabled ones) and
            the top-1 classification accuracy (None without a classifier).
        """
        losses, accuracy = {}, None
        if self.num_classes > 0:
            if labels.numel() and int(labels.max()) >= self.num_classes:
                raise ValueError(
                    f"LinearReIDHead: label {int(labels.max())} >= num_classes "
                    f"{self.num_classes}: set model.head.num_classes to the training identities"
                )
            logits = self.classifier(self.bn(embeds))
            losses["loss_cls"] = self.loss_cls_weight * F.cross_entropy(logits, labels)
            accuracy = (logits.argmax(dim=1) == labels).float().mean()
        if self.loss_triplet_weight > 0:
            loss = triplet_loss_hard_mining(embeds, labels, margin=self.triplet_margin)
            losses["loss_triplet"] = self.loss_triplet_weight * loss
        return losses, accuracy


def _normal_linear(in_channels, out_channels):
    layer = nn.Linear(in_channels, out_channels)
    nn.init.normal_(layer.weight, std=0.01)
    nn.init.zeros_(layer.bias)
    return layer
