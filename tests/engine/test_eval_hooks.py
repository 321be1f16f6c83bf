"""Evaluation from an iteration on, and the best checkpoint, on a real SimpleTrainer."""

import json
import os

import pytest
import torch
from detectron2.engine import SimpleTrainer, hooks

from d2track.checkpoint import AtomicCheckpointer
from d2track.engine.eval_hooks import BestCheckpoint, PeriodicEvalHook


class _Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))

    def forward(self, batch):
        return {"loss": (self.w - 1).pow(2).sum()}


def _loader():
    while True:
        yield [0]


# metric value per evaluation iteration (1-based ``next_iter``): best at 6, worse at 8
SCORES = {4: 10.0, 6: 30.0, 8: 20.0, 10: 25.0}


def _train(folder, *, max_iter=10, start_iter=0, best=True, resume_from=None, scores=SCORES):
    model = _Model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    trainer = SimpleTrainer(model, _loader(), optimizer)
    checkpointer = AtomicCheckpointer(model, str(folder), optimizer=optimizer, trainer=trainer)
    evaluated = []

    def evaluate():
        step = min(trainer.iter + 1, trainer.max_iter)  # (trainer.iter is max_iter after the loop)
        evaluated.append(step)
        return {"sot": {"success": scores[step]}}

    keeper = BestCheckpoint(checkpointer, metric="sot/success") if best else None
    trainer.register_hooks(
        [
            hooks.PeriodicCheckpointer(checkpointer, 3, max_iter=max_iter),
            PeriodicEvalHook(2, evaluate, start_iter=4, best=keeper),
        ]
    )
    first = 0
    if resume_from is not None:
        checkpointer.resume_or_load(resume_from, resume=True)
        first = trainer.iter + 1
    trainer.train(first, max_iter)
    return evaluated, keeper


def test_evaluations_start_at_start_iter_and_the_best_model_is_kept(tmp_path):
    evaluated, keeper = _train(tmp_path)
    assert evaluated == [4, 6, 8, 10]  # none at 2; the last one always
    assert keeper.best == (30.0, 5)  # storage iteration of the 6th step
    record = json.loads((tmp_path / "model_best.json").read_text())
    assert record == {"metric": "sot/success", "mode": "max", "value": 30.0, "iteration": 5}
    assert torch.load(tmp_path / "model_best.pth", weights_only=False)["iteration"] == 5
    # the best model does not take over --resume: the tag names the last periodic checkpoint
    assert (tmp_path / "last_checkpoint").read_text().strip() == "model_final.pth"


def test_a_resumed_run_compares_against_the_earlier_best(tmp_path):
    # evaluations at 4, 6 (best: 30) and 7; checkpoints at iterations 2 and 5
    assert _train(tmp_path, max_iter=7, scores={**SCORES, 7: 5.0})[0] == [4, 6, 7]
    assert (tmp_path / "last_checkpoint").read_text().strip() == "model_final.pth"
    os.remove(tmp_path / "model_final.pth")
    (tmp_path / "last_checkpoint").write_text("model_0000005.pth")
    saved = os.path.getmtime(tmp_path / "model_best.pth")
    evaluated, keeper = _train(tmp_path, resume_from=str(tmp_path / "model_0000005.pth"))
    assert evaluated == [8, 10]  # resumed after iteration 5 (0-based)
    assert keeper.best == (30.0, 5)  # 20 and 25 do not beat the first run's 30
    assert os.path.getmtime(tmp_path / "model_best.pth") == saved


def test_min_mode_and_bad_settings(tmp_path):
    keeper = BestCheckpoint(None, metric="loss", mode="min")
    keeper._save_untagged = lambda iteration: None  # no checkpointer: record the decisions only
    keeper.checkpointer = type("C", (), {"save_dir": str(tmp_path)})()
    assert keeper.update({"loss": 2.0}, 1) and keeper.update({"loss": 1.0}, 2)
    assert not keeper.update({"loss": 1.5}, 3) and not keeper.update({"loss": float("nan")}, 4)
    assert keeper.best == (1.0, 2)
    with pytest.raises(KeyError, match="metric='loss' is not among the evaluation results"):
        keeper.update({"sot/success": 1.0}, 5)
    with pytest.raises(ValueError, match="must be 'max' or 'min'"):
        BestCheckpoint(None, metric="x", mode="greater")


def test_without_best_it_is_detectron2_s_eval_hook(tmp_path):
    evaluated, keeper = _train(tmp_path, best=False)
    assert evaluated == [4, 6, 8, 10] and keeper is None
    assert not (tmp_path / "model_best.pth").exists()
