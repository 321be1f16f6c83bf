"""ReID data loaders: identity-balanced training batches and batched inference.

Detectron2's ``build_detection_train_loader`` takes an index sampler and shards its indices
over the DataLoader workers one by one, which would split an identity-balanced batch between
workers; here :class:`IdentityBalancedSampler` is the DataLoader's batch sampler, so that each
worker maps whole batches.
"""

import torch.utils.data as torchdata
from detectron2.data import DatasetCatalog, DatasetFromList, MapDataset
from detectron2.data.build import trivial_batch_collator, worker_init_reset_seed
from detectron2.data.samplers import InferenceSampler

from .sampler import IdentityBalancedSampler

__all__ = ["get_reid_dataset_dicts", "build_reid_train_loader", "build_reid_test_loader"]


def get_reid_dataset_dicts(name):
    """The dataset dicts of one registered ReID split (labels of two lists would collide)."""
    if not isinstance(name, str):
        raise TypeError(f"get_reid_dataset_dicts: name must be one split name, got {name!r}")
    dicts = DatasetCatalog.get(name)
    if not dicts:
        raise ValueError(f"ReID split {name!r} is empty")
    return dicts


def build_reid_train_loader(dataset, *, mapper, num_ids=8, ins_per_id=4, seed=None, num_workers=0):
    """Infinite loader of identity-balanced batches.

    Each process gets batches of ``num_ids * ins_per_id`` crops (MMTracking's 8 x 4 = 32 per
    GPU), so the total batch is that times the number of processes.

    Args:
        dataset (list[dict]): ReID dataset dicts (``label`` each).
        mapper (callable): e.g. :class:`ReIDMapper` with ``is_train=True``.
        num_ids, ins_per_id, seed: see :class:`IdentityBalancedSampler`.
        num_workers (int): DataLoader workers.

    Returns:
        DataLoader: yields lists of mapped dicts.
    """
    sampler = IdentityBalancedSampler(
        [d["label"] for d in dataset], num_ids=num_ids, ins_per_id=ins_per_id, seed=seed
    )
    return torchdata.DataLoader(
        MapDataset(DatasetFromList(dataset, copy=False), mapper),
        batch_sampler=sampler,
        num_workers=num_workers,
        collate_fn=trivial_batch_collator,
        worker_init_fn=worker_init_reset_seed,
    )


def build_reid_test_loader(dataset, *, mapper, batch_size=64, num_workers=0):
    """Every crop once (sharded over processes by ``InferenceSampler``), in batches."""
    sampler = torchdata.BatchSampler(InferenceSampler(len(dataset)), batch_size, drop_last=False)
    return torchdata.DataLoader(
        MapDataset(DatasetFromList(dataset, copy=False), mapper),
        batch_sampler=sampler,
        num_workers=num_workers,
        collate_fn=trivial_batch_collator,
    )
