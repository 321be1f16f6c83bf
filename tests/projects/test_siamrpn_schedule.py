"""SiamRPN++'s training recipe: per-epoch lr factors, backbone lr group, unfreezing hook."""

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch
from detectron2.config import LazyCall as L
from detectron2.config import LazyConfig, instantiate
from detectron2.solver import LRMultiplier
from omegaconf import OmegaConf
from torch import nn

from d2track.engine import build_trainer
from d2track.engine.defaults import build_extra_hooks
from d2track.projects.siamrpn import (
    BackboneFreezeHook,
    SiameseRPNParamScheduler,
    SOTResNet,
    backbone_lr_params,
    siamrpn_epoch_factors,
)

CONFIGS = Path(__file__).resolve().parents[2] / "projects" / "SiamRPNpp" / "configs"

# MMTracking's SiameseRPNLrUpdaterHook factors, by hand: "step" 0.2 * 5 ** (k / 5) for epochs
# 0-4, then "log" 10 ** (-k / 14) for epochs 5-19 (k = epoch - 5).
HAND = {
    0: 0.2,
    1: 0.2 * 5**0.2,  # 0.27595
    2: 0.2 * 5**0.4,  # 0.38073
    3: 0.2 * 5**0.6,  # 0.52531
    4: 0.2 * 5**0.8,  # 0.72478
    5: 1.0,
    6: 10 ** (-1 / 14),  # 0.84834
    12: 10**-0.5,  # 0.31623
    19: 0.1,
}


def test_epoch_factors_match_mmtracking_by_hand():
    factors = siamrpn_epoch_factors()
    assert factors.shape == (20,)
    for epoch, value in HAND.items():
        assert factors[epoch] == pytest.approx(value, rel=1e-12), epoch
    assert factors[4] == pytest.approx(0.7247796636776955)
    assert np.all(np.diff(factors[:6]) > 0) and np.all(np.diff(factors[5:]) < 0)


def test_epoch_factors_reject_bad_stages():
    with pytest.raises(ValueError, match="stage type"):
        siamrpn_epoch_factors([("cosine", 1.0, 0.1, 5)])
    with pytest.raises(ValueError, match="ends at epoch"):
        siamrpn_epoch_factors([("step", 0.2, 1.0, 5), ("log", 1.0, 0.1, 5)])


def test_scheduler_is_constant_within_epochs_through_lr_multiplier():
    """3 iterations per epoch, 60 in all, driven as Detectron2's LRScheduler hook does."""
    param = nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=0.005)
    multiplier = LRMultiplier(optimizer, SiameseRPNParamScheduler(epoch_iters=3), max_iter=60)
    lrs = []
    for _ in range(60):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        multiplier.step()
    lrs = np.array(lrs) / 0.005
    for epoch, value in HAND.items():
        assert lrs[3 * epoch : 3 * epoch + 3] == pytest.approx([value] * 3), epoch
    assert lrs[2] == pytest.approx(0.2) and lrs[3] == pytest.approx(HAND[1])
    assert lrs[14] == pytest.approx(HAND[4]) and lrs[15] == pytest.approx(1.0)


def test_scheduler_epoch_boundaries_at_the_real_epoch_length():
    """2679 iterations per epoch: iteration 2679 k starts epoch k, exactly (float rounding)."""
    scheduler = SiameseRPNParamScheduler(epoch_iters=2679)
    max_iter = 20 * 2679
    factors = siamrpn_epoch_factors()
    for k in range(1, 20):
        assert scheduler(k * 2679 / max_iter) == factors[k]
        assert scheduler((k * 2679 - 1) / max_iter) == factors[k - 1]
    assert scheduler(0.0) == pytest.approx(0.2) and scheduler(1.0) == pytest.approx(0.1)
    with pytest.raises(ValueError):
        SiameseRPNParamScheduler(epoch_iters=0)


class _TinySiam(nn.Module):
    """A backbone (tiny SOTResNet) and a head; the loss records the backbone's freeze_at."""

    def __init__(self, freeze_at=5):
        super().__init__()
        self.backbone = SOTResNet(
            stage_blocks=(1, 1, 1, 1), stem_channels=8, base_planes=4, freeze_at=freeze_at
        )
        self.head = nn.Conv2d(128, 1, 1)
        self.seen = []

    def forward(self, batch):
        self.seen.append(self.backbone.freeze_at)
        return {"loss": self.head(self.backbone(batch[0])["res5"]).abs().mean()}


def test_backbone_lr_params_scale_the_backbone_only():
    model = _TinySiam()
    groups = backbone_lr_params(model, base_lr=0.005, weight_decay=1e-4, weight_decay_norm=None)
    lr = {id(p): g["lr"] for g in groups for p in g["params"]}
    decay = {id(p): g["weight_decay"] for g in groups for p in g["params"]}
    assert len(lr) == len(list(model.parameters()))  # frozen stages included
    for name, p in model.named_parameters():
        expected = 0.0005 if name.startswith("backbone.") else 0.005
        assert lr[id(p)] == pytest.approx(expected), name
        assert decay[id(p)] == 1e-4, name  # BatchNorm decays too, as MMTracking
    assert len(groups) == 2


def _cfg(**hooks):
    return OmegaConf.create({"train": {"amp": {"enabled": False}, "extra_hooks": hooks}})


def _train(model, start_iter, max_iter, hook_start=3):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    data = itertools.repeat([torch.rand(1, 3, 127, 127) * 255])
    cfg = _cfg(unfreeze=L(BackboneFreezeHook)(start_iter=hook_start, freeze_at=2))
    trainer = build_trainer(cfg, model, data, optimizer)
    trainer.train(start_iter, max_iter)
    return trainer


def test_hook_unfreezes_at_its_iteration():
    torch.manual_seed(0)
    model = _TinySiam()
    _train(model, 0, 3)
    assert model.seen == [5, 5, 5]
    assert all(p.grad is None for p in model.backbone.parameters())
    _train(model, 3, 5)  # continues: iterations 3 and 4
    assert model.seen == [5, 5, 5, 2, 2]
    backbone = model.backbone
    assert all(p.grad is not None for p in backbone.res3.parameters())
    assert all(p.grad is None for p in backbone.res2.parameters())
    assert backbone.res3.training and not backbone.res2.training


def test_hook_sets_the_state_on_resume():
    """A fresh model resumed after the switch starts trained from its first iteration."""
    model = _TinySiam()
    _train(model, 7, 8)
    assert model.seen == [2]
    before = _TinySiam()
    _train(before, 1, 2)
    assert before.seen == [5]


def test_hook_reaches_through_ddp_like_wrappers():
    class Wrapper(nn.Module):
        def __init__(self, module):
            super().__init__()
            self.module = module

        def forward(self, batch):
            return self.module(batch)

    model = _TinySiam()
    _train(Wrapper(model), 0, 4, hook_start=2)
    assert model.seen == [5, 5, 2, 2]


def test_extra_hooks_are_optional_and_can_be_switched_off():
    assert build_extra_hooks(OmegaConf.create({"train": {}})) == []
    hook = L(BackboneFreezeHook)(start_iter=1)
    assert build_extra_hooks(_cfg(a=None)) == []
    (built,) = build_extra_hooks(_cfg(a=hook, b=None))
    assert isinstance(built, BackboneFreezeHook) and built.start_iter == 1


@pytest.mark.parametrize("name, epoch_iters", [("lasot", 2679), ("otb100", 4688)])
def test_configs_state_mmtracking_recipe(name, epoch_iters):
    cfg = LazyConfig.load(str(CONFIGS / f"siamese_rpn_r50_20e_{name}.py"))
    assert cfg.train.max_iter == 20 * epoch_iters
    assert cfg.train.checkpointer.period == epoch_iters
    assert cfg.train.extra_hooks.unfreeze_backbone.start_iter == 10 * epoch_iters
    # evaluation after every epoch from the 10th on, keeping the best success
    assert (cfg.train.eval_period, cfg.train.eval_start) == (epoch_iters, 10 * epoch_iters)
    assert cfg.train.best_checkpoint == {"metric": "sot/success", "mode": "max"}
    assert cfg.train.grad_clip.max_norm == 10 and cfg.train.ddp.find_unused_parameters
    assert cfg.dataloader.train.ratios == [0.25, 0.2, 0.55]
    assert cfg.dataloader.train.total_batch_size == 8 * (28 if name == "lasot" else 16)
    scheduler = instantiate(cfg.lr_multiplier)
    assert scheduler.epoch_iters == epoch_iters
    assert scheduler(10 * epoch_iters / cfg.train.max_iter) == pytest.approx(10 ** (-5 / 14))
    cfg.model.backbone.update(stage_blocks=(1, 1, 1, 1), stem_channels=8, base_planes=4)
    cfg.model.neck.update(in_channels=[32, 64, 128], out_channels=8)
    cfg.model.head.in_channels = [8, 8, 8]
    model = instantiate(cfg.model)
    cfg.optimizer.params.model = model
    optimizer = instantiate(cfg.optimizer)
    assert sorted({g["lr"] for g in optimizer.param_groups}) == pytest.approx([0.0005, 0.005])
    assert {g["weight_decay"] for g in optimizer.param_groups} == {1e-4}
    assert optimizer.defaults["momentum"] == 0.9
