"""Identity-balanced ("PK") batches for the batch-hard triplet loss.

MMTracking 0.x ``ReIDDataset`` with ``triplet_sampler=dict(num_ids=8, ins_per_id=4)``
(``mmtrack/datasets/reid_dataset.py``) turns each sample into 8 identities x 4 crops. Here a
batch sampler draws the batches directly, as PK sampling in Hermans et al.: ``num_ids`` distinct
identities uniformly, then ``ins_per_id`` crops of each, with replacement only for identities
that have fewer crops. (MMTracking picks the first identity through a dataset sample, which
favours identities with many crops slightly, and always samples crops with replacement.)
"""

from collections import defaultdict

import numpy as np
from detectron2.utils import comm
from torch.utils.data import Sampler

__all__ = ["IdentityBalancedSampler"]


class IdentityBalancedSampler(Sampler):
    """Infinite batch sampler: each batch is ``num_ids`` identities x ``ins_per_id`` indices.

    Use it as a DataLoader's ``batch_sampler`` (see
    :func:`~d2track.data.reid.build_reid_train_loader`): a batch holds the crops of one identity
    next to each other, ``[id a] * ins_per_id + [id b] * ins_per_id + ...``. Each process
    (distributed rank) draws its own batches from ``(seed, rank)``.
    """

    def __init__(self, labels, *, num_ids=8, ins_per_id=4, seed=None):
        """
        Args:
            labels (sequence[int]): the identity label of every dataset index.
            num_ids (int): identities per batch.
            ins_per_id (int): crops per identity.
            seed (int or None): None: a random seed shared by all processes.
        """
        if num_ids < 1 or ins_per_id < 1:
            raise ValueError(
                f"IdentityBalancedSampler: num_ids and ins_per_id must be >= 1, got "
                f"{num_ids} and {ins_per_id}"
            )
        by_label = defaultdict(list)
        for index, label in enumerate(labels):
            by_label[int(label)].append(index)
        if len(by_label) < num_ids:
            raise ValueError(
                f"IdentityBalancedSampler: labels has {len(by_label)} identities, fewer than "
                f"num_ids={num_ids}"
            )
        self._ids = sorted(by_label)
        self._indices = [np.asarray(by_label[i]) for i in self._ids]
        self.num_ids, self.ins_per_id = num_ids, ins_per_id
        self._seed = int(comm.shared_random_seed() if seed is None else seed)
        self._rank = comm.get_rank()

    @property
    def batch_size(self):
        return self.num_ids * self.ins_per_id

    def __iter__(self):
        rng = np.random.default_rng([self._seed, self._rank])
        while True:
            yield self._draw(rng)

    def _draw(self, rng):
        batch = []
        for k in rng.choice(len(self._ids), self.num_ids, replace=False):
            indices = self._indices[k]
            replace = len(indices) < self.ins_per_id
            batch.extend(int(i) for i in rng.choice(indices, self.ins_per_id, replace=replace))
        return batch
