"""Fixtures of the tool tests."""

from pathlib import Path

import pytest
import torch
from detectron2.config import instantiate

from d2track.config import load_config

TINY_SOT_CONFIG = str(
    Path(__file__).resolve().parents[2]
    / "projects/SiamRPNpp/configs/siamese_rpn_tiny_800it_synthetic.py"
)


@pytest.fixture(scope="module")
def tiny_sot_weights(tmp_path_factory):
    """A checkpoint of the tiny SiamRPN++ config's network with seeded random weights."""
    torch.manual_seed(0)
    model = instantiate(load_config(TINY_SOT_CONFIG, []).model)
    path = tmp_path_factory.mktemp("ckpt") / "tiny.pth"
    torch.save({"model": model.state_dict()}, path)
    return path
