"""Exact-resume pieces: the resumable train loader, RNG state round trip, metrics.json cut."""

import json
import logging
import random

import numpy as np
import pytest
import torch
from detectron2.config import LazyCall as L
from detectron2.data import build_detection_train_loader
from detectron2.data.samplers import TrainingSampler
from omegaconf import OmegaConf

from d2track.data.resumable_loader import ResumableTrainLoader
from d2track.engine.resume import (
    ResumeStateHook,
    drop_metrics_from,
    get_rng_state,
    instantiate_train_loader,
    preserved_rng,
    set_rng_state,
)

# Mixed aspect ratios: buckets hold samples across batch boundaries.
DICTS = [{"id": i, "width": 10 + 5 * (i % 3 == 0), "height": 12} for i in range(7)]


def _mapper(d):
    """Random augmentation draws from all three global RNGs."""
    draws = (random.random(), float(np.random.rand()), float(torch.rand(())))
    return {**d, "draws": draws}


def _loader(**kwargs):
    sampler = TrainingSampler(len(DICTS), seed=3)
    return ResumableTrainLoader(
        DICTS, mapper=_mapper, sampler=sampler, total_batch_size=2, **kwargs
    )


def _take(loader, n):
    it = iter(loader)
    return [[(d["id"], d["draws"]) for d in next(it)] for _ in range(n)]


@pytest.mark.parametrize("num_workers", [0, 2])
def test_loader_resumed_from_its_state_continues_the_same_stream(num_workers):
    reference = _take(_loader(seed=5), 9)
    first = _loader(seed=5, num_workers=num_workers)
    assert _take(first, 4) == reference[:4]  # same samples whatever num_workers
    state = json.loads(json.dumps(first.state_dict()))  # plain data
    assert any(state["pending"])  # a sample waits in a bucket
    resumed = _loader(seed=99, num_workers=num_workers)
    it = iter(resumed)  # SimpleTrainer calls iter() before the checkpoint loads
    resumed.load_state_dict(state)
    assert [[(d["id"], d["draws"]) for d in next(it)] for _ in range(5)] == reference[4:]


def test_mapping_in_the_main_process_leaves_global_rng_alone():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    _take(_loader(seed=5), 3)
    assert torch.equal(torch.rand(3), expected)


def test_rng_state_survives_a_weights_only_checkpoint(tmp_path):
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    np.random.randn()  # a cached gaussian is part of numpy's state
    torch.save({"rng": get_rng_state()}, tmp_path / "c.pth")
    expected = (random.random(), np.random.randn(), torch.rand(2))
    set_rng_state(torch.load(tmp_path / "c.pth", weights_only=True)["rng"])
    got = (random.random(), np.random.randn(), torch.rand(2))
    assert got[:2] == expected[:2] and torch.equal(got[2], expected[2])


def test_preserved_rng_hides_draws_inside():
    torch.manual_seed(0)
    expected = torch.rand(2)
    torch.manual_seed(0)
    with preserved_rng():
        torch.rand(5), np.random.rand(), random.random()
    assert torch.equal(torch.rand(2), expected)


class _Trainer:
    def __init__(self, loader, iteration):
        self.data_loader, self.iter = loader, iteration


def test_hook_saves_states_at_checkpoint_iterations_and_restores_them():
    loader = _loader(seed=5)
    reference = _take(_loader(seed=5), 5)
    _take(loader, 3)
    hook = ResumeStateHook(period=3, max_iter=10)
    hook.trainer = _Trainer(loader, iteration=2)
    torch.manual_seed(0)
    hook.after_step()  # (2 + 1) % 3 == 0: gathered now
    expected = torch.rand(2)
    state = hook.state_dict()  # what the checkpointer saves later in the same step
    assert len(state["ranks"]) == 1
    fresh = _loader(seed=1)
    hook.trainer = _Trainer(fresh, iteration=2)
    torch.rand(7)
    hook.load_state_dict(state)
    assert torch.equal(torch.rand(2), expected)
    assert _take(fresh, 2) == reference[3:]


def test_hook_skips_states_of_another_world_size(caplog):
    hook = ResumeStateHook(period=3, max_iter=10)
    hook.trainer = _Trainer(_loader(seed=5), iteration=2)
    with caplog.at_level(logging.WARNING):
        hook.load_state_dict({"ranks": [{}, {}]})
    assert "2 processes" in caplog.text


def test_drop_metrics_from_cuts_redone_and_torn_records(tmp_path):
    path = tmp_path / "metrics.json"
    rows = [json.dumps({"iteration": i, "loss": 1.0}) + "\n" for i in range(5)]
    path.write_text("".join(rows) + '{"iteration": 5, "lo')  # killed mid-write
    writer = open(path, "a")  # JSONWriter already holds it open for appending
    assert drop_metrics_from(str(path), 3) == 3
    writer.write(json.dumps({"iteration": 3}) + "\n")
    writer.close()
    assert [json.loads(r)["iteration"] for r in path.read_text().splitlines()] == [0, 1, 2, 3]
    assert drop_metrics_from(str(tmp_path / "missing.json"), 0) == 0


def test_detectron2_train_loader_config_becomes_resumable():
    cfg = OmegaConf.create()
    cfg.train = L(build_detection_train_loader)(
        dataset=DICTS, mapper=None, total_batch_size=2, aspect_ratio_grouping=False
    )
    loader = instantiate_train_loader(cfg.train)
    assert isinstance(loader, ResumableTrainLoader) and loader.batch_size == 2
    assert len(next(iter(loader))) == 2
