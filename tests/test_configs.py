"""Every LazyConfig under configs/ and projects/ loads and instantiates its model."""

from pathlib import Path

import pytest
import torch
from detectron2.config import LazyConfig, instantiate

REPO = Path(__file__).resolve().parents[1]
EXPERIMENTS = sorted(
    p
    for p in [*REPO.glob("configs/**/*.py"), *REPO.glob("projects/*/configs/**/*.py")]
    if "common" not in p.parts
)


def test_there_are_configs():
    assert EXPERIMENTS, "no experiment configs found"


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: str(p.relative_to(REPO)))
def test_config_instantiates(path):
    cfg = LazyConfig.load(str(path))
    for key in ("model", "dataloader", "optimizer", "lr_multiplier", "train"):
        assert key in cfg, f"{path.name} lacks {key!r}"
    model = instantiate(cfg.model)
    assert isinstance(model, torch.nn.Module)
    cfg.optimizer.params.model = model
    assert isinstance(instantiate(cfg.optimizer), torch.optim.Optimizer)
    assert instantiate(cfg.lr_multiplier)(0.5) > 0


@pytest.mark.parametrize(
    "path", sorted(REPO.glob("configs/common/**/*.py")), ids=lambda p: str(p.relative_to(REPO))
)
def test_common_config_loads(path):
    assert LazyConfig.load(str(path))
