"""What an exact ``--resume`` needs beyond weights, optimizer and LR scheduler.

A run killed and resumed from a checkpoint reproduces the uninterrupted run bit for bit (on the
CPU, where training is deterministic) when the checkpoint also holds every rank's random states
(python, numpy, torch CPU and CUDA) and the training loader's position
(:class:`~d2track.data.resumable_loader.ResumableTrainLoader`), and when nothing else draws from
those RNGs between the checkpoint and the next iteration (evaluation runs under
:func:`preserved_rng`). ``metrics.json`` is cut back to the resumed iteration so that redone
iterations are not logged twice.
"""

import contextlib
import copy
import json
import logging
import os
import random

import numpy as np
import torch
from detectron2.config import instantiate
from detectron2.data import build_detection_train_loader
from detectron2.engine import HookBase
from detectron2.utils import comm
from detectron2.utils.registry import locate

from d2track.data.resumable_loader import build_resumable_train_loader

__all__ = [
    "ResumeStateHook",
    "get_rng_state",
    "set_rng_state",
    "preserved_rng",
    "drop_metrics_from",
    "instantiate_train_loader",
]

logger = logging.getLogger(__name__)


def get_rng_state():
    """The python, numpy, torch CPU (and initialised CUDA) RNG states, as checkpointable data."""
    _, keys, pos, has_gauss, cached = np.random.get_state()
    cuda = torch.cuda.is_available() and torch.cuda.is_initialized()
    return {
        "python": random.getstate(),
        "numpy": {
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached),
        },
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if cuda else [],
    }


def set_rng_state(state):
    """Restore what :func:`get_rng_state` returned."""
    random.setstate(tuple(x if not isinstance(x, list) else tuple(x) for x in state["python"]))
    npy = state["numpy"]
    keys = npy["keys"].numpy().astype(np.uint32)
    np.random.set_state(("MT19937", keys, npy["pos"], npy["has_gauss"], npy["cached_gaussian"]))
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


@contextlib.contextmanager
def preserved_rng():
    """Run the body without changing any RNG state outside it (e.g. an evaluation)."""
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


class ResumeStateHook(HookBase):
    """Checkpoints (as the trainer's hook state) every rank's RNG states and loader position.

    At each iteration that ``PeriodicCheckpointer`` saves, the ranks gather their states to
    every rank; register this hook before ``PeriodicCheckpointer`` so that the saved
    checkpoint holds them. Loading restores this rank's states, provided the world size is
    the same.
    """

    def __init__(self, *, period, max_iter):
        """
        Args:
            period, max_iter: those of the ``PeriodicCheckpointer``.
        """
        self._period, self._max_iter = period, max_iter
        self._gathered = None  # (iteration, [state of each rank])

    def _local_state(self):
        loader = getattr(self.trainer, "data_loader", None)
        data = loader.state_dict() if hasattr(loader, "state_dict") else None
        return {"rng": get_rng_state(), "data": data}

    def after_step(self):
        it = self.trainer.iter
        if (self._period > 0 and (it + 1) % self._period == 0) or it >= self._max_iter - 1:
            self._gathered = (it, comm.all_gather(self._local_state()))

    def state_dict(self):
        if self._gathered is not None and self._gathered[0] == self.trainer.iter:
            return {"ranks": self._gathered[1]}
        return {"ranks": [self._local_state()]} if comm.get_world_size() == 1 else {}

    def load_state_dict(self, state_dict):
        ranks = state_dict.get("ranks", [])
        if len(ranks) != comm.get_world_size():
            logger.warning(
                f"the checkpoint holds random states of {len(ranks)} processes, this run has "
                f"{comm.get_world_size()}: random states and data order are not restored"
            )
            return
        local = ranks[comm.get_rank()]
        set_rng_state(local["rng"])
        loader = getattr(self.trainer, "data_loader", None)
        if local["data"] is not None and hasattr(loader, "load_state_dict"):
            loader.load_state_dict(local["data"])
        elif hasattr(loader, "load_state_dict"):
            logger.warning("the checkpoint has no train loader position: data restarts")


def drop_metrics_from(path, iteration):
    """Cut ``metrics.json`` before its first record of ``iteration`` or later.

    A torn last line (a kill while writing) goes too. The file is truncated in place, a single
    system call, rather than replaced: a ``JSONWriter`` may already hold it open for appending.

    Returns:
        int: the number of records kept.
    """
    if not os.path.isfile(path):
        return 0
    size, kept = 0, 0
    with open(path, "rb") as f:
        for line in f:
            if not line.endswith(b"\n") or _iteration(line) is None:
                break
            if _iteration(line) >= iteration:
                break
            size, kept = size + len(line), kept + 1
    if size < os.path.getsize(path):
        logger.info(f"{path}: dropping the records of iterations >= {iteration} (redone)")
        os.truncate(path, size)
    return kept


def _iteration(line):
    try:
        return int(json.loads(line)["iteration"])
    except (ValueError, KeyError, TypeError):
        return None


def instantiate_train_loader(loader_cfg):
    """``instantiate(loader_cfg)``, resumable when it calls ``build_detection_train_loader``.

    A config's ``L(build_detection_train_loader)(dataset=..., mapper=..., ...)`` is built by
    :func:`~d2track.data.resumable_loader.build_resumable_train_loader` (same arguments) so
    that the loader's position can be checkpointed; other loaders are built as they are.
    """
    target = loader_cfg.get("_target_", None)
    if isinstance(target, str):
        target = locate(target)
    if target is build_detection_train_loader and "dataset" in loader_cfg:
        loader_cfg = copy.deepcopy(loader_cfg)
        loader_cfg._target_ = build_resumable_train_loader
    else:
        logger.info(f"train loader {target} is not resumable: --resume restarts its data")
    return instantiate(loader_cfg)
