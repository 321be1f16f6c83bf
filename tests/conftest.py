"""Shared pytest setup: d2track (and its Detectron2 compat layer) first, datasets in a tmp dir."""

import os

import pytest

import d2track  # noqa: F401


@pytest.fixture(scope="session", autouse=True)
def _datasets_root(tmp_path_factory):
    """Tests must not write into the user's datasets/: point $DETECTRON2_DATASETS elsewhere."""
    root = tmp_path_factory.mktemp("datasets")
    old = os.environ.get("DETECTRON2_DATASETS")
    os.environ["DETECTRON2_DATASETS"] = str(root)
    yield root
    if old is None:
        os.environ.pop("DETECTRON2_DATASETS", None)
    else:
        os.environ["DETECTRON2_DATASETS"] = old


@pytest.fixture
def one_torch_thread():
    """One torch thread: on a busy 2-core machine two threads can make a run 40x slower."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
