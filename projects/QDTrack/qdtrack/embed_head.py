"""QDTrack's track head: RoI features -> an embedding, and the quasi-dense association losses.

Matches MMTracking 0.x ``QuasiDenseTrackHead`` + ``QuasiDenseEmbedHead`` (``num_convs=4``,
``num_fcs=1``, ``embed_channels=256``, GN) from an FPN ``SingleRoIExtractor`` (RoIAlign 7x7,
sampling ratio 0, P2-P5; Detectron2's ``ROIPooler`` assigns boxes to the same levels):

* embedding: ``num_convs`` 3x3 convs (no bias, GroupNorm of 32 groups, ReLU), flattened,
  ``num_fcs`` fully connected layers with ReLU, then a linear ``fc_embed`` (no activation, not
  normalised). Initialisation as MMTracking: convs Kaiming-normal (fan out, ReLU), fcs
  Xavier-uniform, ``fc_embed`` normal(0, 0.01), biases 0;
* training, per key/reference pair: the RoIs of both frames are labelled and sampled
  (:mod:`.sampling`: the key frame's RPN training proposals, the reference frame's RPN test
  proposals, gt added to both); the key frame's sampled positives are compared with all the
  reference frame's sampled RoIs. A pair is a target (1) when the key RoI's object is in the
  reference frame (``gt_match_indices``) and the reference RoI is a positive of that object.
  ``loss_track`` (:class:`~.losses.MultiPosCrossEntropyLoss`) scores the dot products, its rows
  weighted 1 where a key RoI has a target and normalised by that count; ``loss_track_aux``
  (:class:`~.losses.L2Loss`) scores the cosine similarities. Each is averaged over the images.
"""

import torch
import torch.nn.functional as F
from detectron2.layers import Conv2d, get_norm
from torch import nn

from .sampling import assign_with_gt, sample_rois

__all__ = ["QuasiDenseEmbedHead"]


class QuasiDenseEmbedHead(nn.Module):
    """RoI pooling + convs + fcs to one embedding per box, and the training losses."""

    def __init__(
        self,
        *,
        pooler,
        in_features,
        in_channels,
        proposal_matcher,
        loss_track,
        loss_track_aux=None,
        num_convs=4,
        conv_dim=256,
        conv_norm="GN",
        num_fcs=1,
        fc_dim=1024,
        embed_dim=256,
        batch_size_per_image=256,
        positive_fraction=0.5,
        neg_pos_ub=3,
    ):
        """
        Args:
            pooler (ROIPooler): over ``in_features`` (MMTracking: RoIAlign 7x7, sampling ratio 0).
            in_features (list[str]): the backbone features pooled, e.g. ``["p2", ..., "p5"]``.
            in_channels (int): their channels.
            proposal_matcher (Matcher): IoU labels of training RoIs (0.5 / 0.7, see
                :mod:`.sampling`).
            loss_track (MultiPosCrossEntropyLoss): on dot products.
            loss_track_aux (L2Loss or None): on cosine similarities; None: not used.
            num_convs, conv_dim, conv_norm: the 3x3 convs (``conv_norm`` a Detectron2 norm name).
            num_fcs, fc_dim: the fully connected layers (each with a ReLU).
            embed_dim (int): the embedding size.
            batch_size_per_image, positive_fraction, neg_pos_ub: the RoI sampler.
        """
        super().__init__()
        self.pooler = pooler
        self.in_features = list(in_features)
        self.proposal_matcher = proposal_matcher
        self.loss_track, self.loss_track_aux = loss_track, loss_track_aux
        self.sampler = dict(num=batch_size_per_image, pos_fraction=positive_fraction)
        self.sampler["neg_pos_ub"] = neg_pos_ub
        self.convs = nn.ModuleList()
        for i in range(num_convs):
            conv = Conv2d(
                in_channels if i == 0 else conv_dim,
                conv_dim,
                kernel_size=3,
                padding=1,
                bias=not conv_norm,
                norm=get_norm(conv_norm, conv_dim),
                activation=F.relu,
            )
            nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
            self.convs.append(conv)
        height, width = pooler.output_size
        dims = [(conv_dim if num_convs else in_channels) * height * width] + [fc_dim] * num_fcs
        self.fcs = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        for fc in self.fcs:
            nn.init.xavier_uniform_(fc.weight)
            nn.init.zeros_(fc.bias)
        self.fc_embed = nn.Linear(dims[-1], embed_dim)
        nn.init.normal_(self.fc_embed.weight, std=0.01)
        nn.init.zeros_(self.fc_embed.bias)

    @property
    def embed_dim(self):
        return self.fc_embed.out_features

    def forward(self, features, boxes):
        """Embed boxes.

        Args:
            features (dict[str, Tensor]): backbone features, (B, C, H, W) each.
            boxes (list[Boxes]): B lists of boxes in network input coordinates.

        Returns:
            Tensor: (sum of boxes, D) in the order of ``boxes``.
        """
        x = self.pooler([features[f] for f in self.in_features], boxes)
        for conv in self.convs:
            x = conv(x)
        x = x.flatten(1)
        for fc in self.fcs:
            x = F.relu(fc(x))
        return self.fc_embed(x)

    def losses(self, features, proposals, targets, ref_features, ref_proposals, ref_targets):
        """The association losses of B key frames, one reference frame each.

        Args:
            features, ref_features (dict[str, Tensor]): backbone features of the key and the
                reference frames.
            proposals, ref_proposals (list[Instances]): ``proposal_boxes`` per frame.
            targets (list[Instances]): key gt with ``gt_boxes`` and ``gt_match_indices`` (N, R)
                (:class:`~d2track.data.VideoTrainMapper`; reference 0 is used).
            ref_targets (list[Instances]): reference gt with ``gt_boxes``.

        Returns:
            dict: ``loss_track`` and, with an auxiliary loss, ``loss_track_aux``.
        """
        keys = [self._sample(p, t) for p, t in zip(proposals, targets)]
        refs = [self._sample(p, t) for p, t in zip(ref_proposals, ref_targets)]
        key_boxes = [boxes[: len(gt)] for boxes, gt in keys]  # the key frame's positives only
        key_embeds = self(features, key_boxes).split([len(b) for b in key_boxes])
        ref_embeds = self(ref_features, [boxes for boxes, _ in refs])
        ref_embeds = ref_embeds.split([len(boxes) for boxes, _ in refs])
        # in the graph even when no image has a positive (DDP needs every parameter used)
        zero = sum(e.sum() for e in key_embeds + ref_embeds) * 0.0
        totals = {"loss_track": zero, "loss_track_aux": zero}
        for (_, key_gt), (_, ref_gt), target, key, ref in zip(
            keys, refs, targets, key_embeds, ref_embeds
        ):
            match = _match_targets(_match_indices(target)[key_gt], ref_gt, len(ref))
            for name, value in self._pair_losses(key, ref, match).items():
                totals[name] = totals[name] + value
        names = ["loss_track"] + (["loss_track_aux"] if self.loss_track_aux is not None else [])
        return {name: totals[name] / len(keys) for name in names}

    def _pair_losses(self, key, ref, match):
        """The losses of one pair: ``key`` (K, D) and ``ref`` (M, D) embeddings, ``match``
        (K, M) targets."""
        weight = (match.sum(dim=1) > 0).float()  # key RoIs whose object is in the reference
        losses = {"loss_track": self.loss_track(key @ ref.T, match, weight, weight.sum())}
        if self.loss_track_aux is not None:
            cosine = F.normalize(key, dim=1) @ F.normalize(ref, dim=1).T
            losses["loss_track_aux"] = self.loss_track_aux(cosine, match)
        return losses

    def _sample(self, proposals, targets):
        """One frame's sampled RoIs (positives first) and the gt index of each positive."""
        boxes, matched, labels = assign_with_gt(
            proposals.proposal_boxes, targets.gt_boxes, self.proposal_matcher
        )
        pos, neg = sample_rois(matched, labels, **self.sampler)
        return boxes[torch.cat([pos, neg])], matched[pos]


def _match_indices(targets):
    if not targets.has("gt_match_indices"):
        raise KeyError(
            "QDTrack's track head needs gt_match_indices in the key frame's instances: train "
            "with d2track.data.VideoTrainMapper and one reference frame"
        )
    if targets.gt_match_indices.shape[1] == 0:
        raise ValueError("gt_match_indices has no reference frame: sample one per key frame")
    return targets.gt_match_indices[:, 0]


def _match_targets(key_ref_index, ref_gt, num_ref):
    """(K, num_ref) int: 1 where a key positive's reference object is a reference positive's.

    Args:
        key_ref_index (Tensor): (K,) each key positive's object's index among the reference gt
            (-1: not in the reference frame).
        ref_gt (Tensor): (P,) gt index of each reference positive (the first P sampled RoIs).
        num_ref (int): number of sampled reference RoIs (positives, then negatives).
    """
    same = key_ref_index.view(-1, 1) == ref_gt.view(1, -1)
    return F.pad(same.int(), (0, num_ref - len(ref_gt)))
