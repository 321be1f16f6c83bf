"""Distributed samplers of dataset indices for the loaders: which frames each rank reads.

Whole videos per rank at test time, ratio-mixed datasets in training. (Which reference frames go
with a key frame inside one sample is :mod:`d2track.data.sampling`'s job.)

Detectron2's ``InferenceSampler`` cuts the dataset into contiguous shards, which can split a
video between two ranks and break trackers and temporal models. :class:`VideoInferenceSampler`
gives each rank whole videos, in frame order, and every frame to exactly one rank.
"""

import itertools
from typing import Optional, Sequence

import numpy as np
import torch
from detectron2.utils import comm
from torch.utils.data.sampler import Sampler

__all__ = ["VideoInferenceSampler", "MixedTrainingSampler", "assign_videos_to_ranks"]


def assign_videos_to_ranks(video_lengths, world_size):
    """Balance whole videos over ranks: longest first, each to the least loaded rank.

    Args:
        video_lengths (list[int]): frames per video, in dataset order.
        world_size (int): number of ranks.

    Returns:
        list[list[int]]: for each rank, the video positions it gets, in dataset order.
    """
    loads = [0] * world_size
    owner = [0] * len(video_lengths)
    for video in sorted(range(len(video_lengths)), key=lambda v: (-video_lengths[v], v)):
        rank = min(range(world_size), key=lambda r: (loads[r], r))
        owner[video] = rank
        loads[rank] += video_lengths[video]
    return [[v for v in range(len(owner)) if owner[v] == rank] for rank in range(world_size)]


class VideoInferenceSampler(Sampler):
    """Yields this rank's dataset indices: whole videos, each in frame order."""

    def __init__(self, videos: Sequence[Sequence[int]], *, rank=None, world_size=None):
        """
        Args:
            videos: the dataset indices of each video, in frame order (``VideoIndex.videos``
                of :func:`~d2track.data.datasets.build_video_index`).
            rank, world_size: default to the current process group's.
        """
        rank = comm.get_rank() if rank is None else rank
        world_size = comm.get_world_size() if world_size is None else world_size
        mine = assign_videos_to_ranks([len(v) for v in videos], world_size)[rank]
        self._indices = [int(i) for v in mine for i in videos[v]]

    def __iter__(self):
        return iter(self._indices)

    def __len__(self):
        return len(self._indices)


class MixedTrainingSampler(Sampler):
    """Infinite training indices into a ``ConcatDataset``, drawing each part with a given ratio.

    E.g. MMTracking's SOT training mixes VID, COCO and DET at 0.25/0.2/0.55 whatever their sizes:
    each index picks a part with probability ``ratios[k]``, then a uniform item of that part.
    Like Detectron2's ``TrainingSampler``, the stream is shared by all ranks (same seed) and
    each rank takes every ``world_size``-th index.
    """

    def __init__(self, sizes: Sequence[int], ratios: Sequence[float], seed: Optional[int] = None):
        """
        Args:
            sizes: number of items in each part of the ``ConcatDataset``, in order.
            ratios: sampling probability of each part (normalised; must be >= 0, sum > 0).
            seed: shared seed; default: a random seed shared by all ranks.
        """
        if len(sizes) != len(ratios):
            raise ValueError(f"{len(sizes)} dataset sizes but {len(ratios)} ratios")
        if any(r < 0 for r in ratios) or sum(ratios) <= 0:
            raise ValueError(f"ratios must be >= 0 with a positive sum, got {list(ratios)}")
        if any(n <= 0 for n, r in zip(sizes, ratios) if r > 0):
            raise ValueError(f"a dataset sampled with a positive ratio is empty: sizes {sizes}")
        self._sizes = list(sizes)
        self._offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self._probs = np.asarray(ratios, dtype=np.float64) / sum(ratios)
        self._seed = int(comm.shared_random_seed() if seed is None else seed)
        self._rank, self._world_size = comm.get_rank(), comm.get_world_size()

    def __iter__(self):
        return itertools.islice(self._infinite_indices(), self._rank, None, self._world_size)

    def _infinite_indices(self):
        g = torch.Generator().manual_seed(self._seed)
        probs = torch.as_tensor(self._probs)
        while True:
            parts = torch.multinomial(probs, 1024, replacement=True, generator=g).tolist()
            for part in parts:
                item = int(torch.randint(self._sizes[part], (1,), generator=g))
                yield int(self._offsets[part]) + item
