"""Batch-hard triplet loss for ReID embeddings.

Matches MMTracking 0.x ``mmtrack/models/losses/triplet_loss.py`` (``TripletLoss(margin=0.3,
hard_mining=True)``, Hermans et al., "In Defense of the Triplet Loss for Person
Re-Identification"): Euclidean distances, for every anchor its farthest positive and nearest
negative, hinge ``max(0, d_ap - d_an + margin)`` averaged over anchors. Vectorised here instead
of a loop over anchors; anchors without any negative in the batch are left out (MMTracking
would fail on them).
"""

import torch

__all__ = ["pairwise_euclidean", "triplet_loss_hard_mining"]


def pairwise_euclidean(embeds):
    """(B, B) Euclidean distances of the rows of ``embeds`` (B, D).

    The squared distances are clamped at 1e-12 before the square root so that the gradient of
    the zero self-distances stays finite.
    """
    squared = embeds.pow(2).sum(dim=1, keepdim=True)
    dist = squared + squared.t() - 2.0 * embeds @ embeds.t()
    return dist.clamp(min=1e-12).sqrt()


def triplet_loss_hard_mining(embeds, labels, *, margin=0.3):
    """Batch-hard triplet loss.

    Args:
        embeds (Tensor): (B, D) embeddings (not normalised, as MMTracking).
        labels (Tensor): (B,) integer identity labels.
        margin (float): hinge margin.

    Returns:
        Tensor: scalar loss; 0 (still attached to the graph) when no anchor has a negative.
    """
    if embeds.dim() != 2 or labels.shape != embeds.shape[:1]:
        raise ValueError(
            f"triplet_loss_hard_mining: embeds must be (B, D) and labels (B,), got "
            f"{tuple(embeds.shape)} and {tuple(labels.shape)}"
        )
    dist = pairwise_euclidean(embeds.float())
    same = labels[:, None] == labels[None, :]
    # The anchor itself counts as a positive (distance ~0), as in MMTracking.
    dist_ap = torch.where(same, dist, torch.zeros_like(dist)).max(dim=1).values
    dist_an = torch.where(same, torch.full_like(dist, float("inf")), dist).min(dim=1).values
    valid = torch.isfinite(dist_an)
    if not valid.any():
        return embeds.sum() * 0.0
    hinge = (dist_ap[valid] - dist_an[valid] + margin).clamp(min=0)
    return hinge.mean()
