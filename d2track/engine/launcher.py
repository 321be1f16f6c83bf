"""Detectron2's ``launch()`` with a private rendezvous for single-machine runs.

Detectron2's ``--dist-url`` defaults to ``tcp://127.0.0.1:<port>`` with a port derived from the
user id, so two multi-process runs of one user on one machine collide (``EADDRINUSE``). Its
``dist_url="auto"`` picks a free TCP port instead, but between finding the port and rank 0
binding it another job can take it. On one machine there is no need for a port at all: the
processes meet through a ``file://`` store in a fresh private temporary folder, which no other
job can name, for gloo (CPU) and NCCL (GPU) alike. Multi-machine runs (``--num-machines > 1``)
and an explicit ``--dist-url`` are passed to Detectron2 unchanged.
"""

import contextlib
import logging
import shutil
import tempfile

from detectron2.engine import default_argument_parser
from detectron2.engine import launch as detectron2_launch
from detectron2.engine.launch import DEFAULT_TIMEOUT

__all__ = ["launch", "private_dist_url", "wants_private_rendezvous"]

logger = logging.getLogger(__name__)


def _detectron2_default_dist_url():
    """The uid-derived ``--dist-url`` default of ``default_argument_parser()``."""
    return default_argument_parser().get_default("dist_url")


def wants_private_rendezvous(dist_url, *, num_machines):
    """Whether ``dist_url`` means "any rendezvous on this machine will do".

    True for a single-machine run whose ``dist_url`` is None, ``"auto"`` or Detectron2's
    argument-parser default (i.e. ``--dist-url`` was not given).
    """
    if num_machines != 1:
        return False
    return dist_url in (None, "auto", _detectron2_default_dist_url())


@contextlib.contextmanager
def private_dist_url():
    """Yield a ``file://`` init method in a new private folder, removed on exit.

    Each rendezvous needs a new, empty store file (``torch.distributed``'s file init method),
    which a fresh folder from :func:`tempfile.mkdtemp` (mode 0700) guarantees.
    """
    folder = tempfile.mkdtemp(prefix="d2track_rendezvous_")
    try:
        yield f"file://{folder}/store"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def launch(
    main_func,
    num_gpus_per_machine,
    num_machines=1,
    machine_rank=0,
    dist_url=None,
    args=(),
    timeout=DEFAULT_TIMEOUT,
):
    """Detectron2's ``launch()``; a single-machine run without a ``dist_url`` never collides.

    Args:
        main_func, num_gpus_per_machine, num_machines, machine_rank, args, timeout: as in
            ``detectron2.engine.launch``.
        dist_url (str or None): None, ``"auto"`` or Detectron2's default on one machine: a
            private ``file://`` rendezvous (:func:`private_dist_url`); otherwise used as given.
    """
    world_size = num_machines * num_gpus_per_machine
    if world_size > 1 and wants_private_rendezvous(dist_url, num_machines=num_machines):
        with private_dist_url() as url:
            logger.info(f"single-machine rendezvous: {url}")
            return detectron2_launch(
                main_func, num_gpus_per_machine, num_machines, machine_rank, url, args, timeout
            )
    return detectron2_launch(
        main_func, num_gpus_per_machine, num_machines, machine_rank, dist_url, args, timeout
    )
