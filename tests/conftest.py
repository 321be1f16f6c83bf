"""Shared pytest setup: d2track (and its Detectron2 compat layer) first, datasets in a tmp dir."""

import os
import sys
from pathlib import Path

import pytest

import d2track  # noqa: F401

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root():
    return REPO


@pytest.fixture(scope="session")
def venv_python():
    """The interpreter running the tests (the project's .venv under `make test`)."""
    return sys.executable


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
