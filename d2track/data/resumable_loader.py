"""A training loader whose position is checkpointed, so that ``--resume`` replays the same data.

Detectron2's train loader draws augmentations from each worker's RNG, seeded when the iterator
is created, and restarts its sampler from the beginning on resume: a resumed run sees other
images with other augmentations than the uninterrupted run. :class:`ResumableTrainLoader` makes
each sample a function of ``(seed, rank, position in the rank's sample stream)`` only: the
python, numpy and torch RNGs are seeded from these just for loading and mapping that sample.
Its :meth:`~ResumableTrainLoader.state_dict` (position and the samples waiting in the
aspect-ratio buckets) then restores the exact stream, whatever ``num_workers``.
"""

import contextlib
import itertools
import logging
import random

import numpy as np
import torch
from detectron2.data import build_detection_train_loader
from detectron2.data.common import DatasetFromList
from detectron2.data.samplers import TrainingSampler
from detectron2.utils import comm
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

__all__ = ["ResumableTrainLoader", "build_resumable_train_loader", "seeded_rng", "sample_seed"]

logger = logging.getLogger(__name__)


def sample_seed(seed, rank, position):
    """A 32-bit seed for the sample at ``position`` of ``rank``'s stream."""
    return int(np.random.SeedSequence([seed, rank, position]).generate_state(1)[0])


@contextlib.contextmanager
def seeded_rng(seed):
    """Seed python's, numpy's and torch's CPU RNGs inside; restore the caller's states after."""
    states = random.getstate(), np.random.get_state(), torch.get_rng_state()
    random.seed(seed)
    np.random.seed(seed)
    torch.default_generator.manual_seed(seed)
    try:
        yield
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.set_rng_state(states[2])


def _identity(x):
    return x


class _SeededStream(IterableDataset):
    """``(position, index, mapped sample)`` of a sampler's stream from ``start``.

    Each DataLoader worker takes every ``num_workers``-th position, so the loader yields the
    stream in position order.
    """

    def __init__(self, dataset, sampler, mapper, *, seed, rank, start):
        self.dataset, self.sampler, self.mapper = dataset, sampler, mapper
        self.seed, self.rank, self.start = seed, rank, start

    def __iter__(self):
        worker = get_worker_info()
        first, step = (0, 1) if worker is None else (worker.id, worker.num_workers)
        stream = itertools.islice(enumerate(self.sampler), self.start + first, None, step)
        for position, index in stream:
            yield position, index, self.map(position, index)

    def map(self, position, index):
        """The sample at ``position`` (dataset item ``index``); a None from the mapper is
        replaced by a seeded random other item, as Detectron2's ``MapDataset`` does."""
        seed = sample_seed(self.seed, self.rank, position)
        retry = random.Random(seed)
        with seeded_rng(seed):
            sample = self.mapper(self.dataset[index])
            while sample is None:
                sample = self.mapper(self.dataset[retry.randrange(len(self.dataset))])
        return sample


class ResumableTrainLoader:
    """Batches of this rank's training samples; ``state_dict()`` is its exact position.

    Same batching as Detectron2's ``build_detection_train_loader``: ``total_batch_size /
    world_size`` samples per batch, grouped by aspect ratio (``width > height`` or not) if
    ``aspect_ratio_grouping``. Iterate it once: the iterator starts where :meth:`load_state_dict`
    put it (a state loaded after ``iter()`` but before the first ``next()`` still counts).
    """

    def __init__(
        self,
        dataset,
        *,
        mapper=None,
        sampler=None,
        total_batch_size,
        aspect_ratio_grouping=True,
        num_workers=0,
        collate_fn=None,
        seed=None,
    ):
        """
        Args:
            dataset (list or Dataset): map-style dataset (a list of dicts is wrapped).
            mapper (callable or None): dataset item -> sample (None: the item itself).
            sampler (Sampler or None): this rank's infinite index stream (default:
                Detectron2's ``TrainingSampler``).
            total_batch_size, aspect_ratio_grouping, num_workers, collate_fn: as in
                ``build_detection_train_loader``.
            seed (int or None): seed of the per-sample RNGs (default: drawn from numpy's RNG).
        """
        world_size = comm.get_world_size()
        if total_batch_size <= 0 or total_batch_size % world_size:
            raise ValueError(f"total_batch_size={total_batch_size} not divisible by {world_size}")
        self.dataset = (
            DatasetFromList(dataset, copy=False) if isinstance(dataset, list) else dataset
        )
        self.sampler = TrainingSampler(len(self.dataset)) if sampler is None else sampler
        self.mapper = _identity if mapper is None else mapper
        self.batch_size = total_batch_size // world_size
        self.aspect_ratio_grouping = aspect_ratio_grouping
        self.num_workers, self.collate_fn = num_workers, collate_fn
        self._seed = int(np.random.randint(2**31)) if seed is None else int(seed)
        self._next = 0  # first position not yet taken from the sample stream
        self._pending = [[], []]  # [position, index] waiting in each aspect-ratio bucket

    def state_dict(self):
        """Seeds, next stream position and the bucketed samples not yet in a batch."""
        return {
            "seed": self._seed,
            "sampler_seed": getattr(self.sampler, "_seed", None),
            "next_position": self._next,
            "pending": [[list(p) for p in bucket] for bucket in self._pending],
        }

    def load_state_dict(self, state):
        """Continue from ``state`` (of a loader with the same dataset, sampler and batch size)."""
        self._seed = int(state["seed"])
        if state.get("sampler_seed") is not None and hasattr(self.sampler, "_seed"):
            self.sampler._seed = int(state["sampler_seed"])  # an unseeded run drew it at random
        self._next = int(state["next_position"])
        self._pending = [[tuple(p) for p in bucket] for bucket in state["pending"]]

    def __iter__(self):
        return self._batches()

    def _batches(self):
        stream = _SeededStream(
            self.dataset,
            self.sampler,
            self.mapper,
            seed=self._seed,
            rank=comm.get_rank(),
            start=self._next,
        )
        buckets = [[(p, i, stream.map(p, i)) for p, i in bucket] for bucket in self._pending]
        for position, index, sample in self._loader(stream):
            self._next = position + 1
            bucket = buckets[self._bucket(sample)]
            bucket.append((position, index, sample))
            batch = [s for _, _, s in bucket] if len(bucket) == self.batch_size else None
            if batch is not None:
                del bucket[:]
            self._pending = [[(p, i) for p, i, _ in b] for b in buckets]
            if batch is not None:
                yield batch if self.collate_fn is None else self.collate_fn(batch)

    def _loader(self, stream):
        # Its own generator: creating the iterator must not draw from torch's global RNG.
        generator = torch.Generator().manual_seed(self._seed)
        return DataLoader(
            stream,
            batch_size=None,
            num_workers=self.num_workers,
            collate_fn=_identity,
            generator=generator,
        )

    def _bucket(self, sample):
        if not self.aspect_ratio_grouping:
            return 0
        return 0 if sample["width"] > sample["height"] else 1


def build_resumable_train_loader(dataset, *, mapper=None, sampler=None, **kwargs):
    """:class:`ResumableTrainLoader`, or Detectron2's loader for an iterable-style dataset.

    Takes ``build_detection_train_loader``'s arguments, so that a config's
    ``L(build_detection_train_loader)(...)`` can be built with it unchanged.
    """
    if isinstance(dataset, IterableDataset):
        logger.warning("iterable-style training dataset: --resume restarts its data stream")
        return build_detection_train_loader(
            dataset=dataset, mapper=mapper, sampler=sampler, **kwargs
        )
    return ResumableTrainLoader(dataset, mapper=mapper, sampler=sampler, **kwargs)
