"""ReID: the appearance model of DeepSORT and Tracktor (MMTracking 0.x ``mmtrack/models/reid``)."""

from .head import LinearReIDHead
from .losses import pairwise_euclidean, triplet_loss_hard_mining
from .reid_net import ReID

__all__ = ["LinearReIDHead", "ReID", "pairwise_euclidean", "triplet_loss_hard_mining"]
