import logging

import torch
from detectron2.config import LazyCall as L
from detectron2.engine import AMPTrainer, SimpleTrainer
from detectron2.evaluation import COCOEvaluator, DatasetEvaluator
from omegaconf import OmegaConf

from d2track.engine import build_trainer, resolve_device
from d2track.engine.defaults import with_output_dir


def test_resolve_device_falls_back_to_cpu_without_cuda(caplog, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with caplog.at_level(logging.WARNING):
        assert resolve_device("cuda") == "cpu"
    assert "CUDA is not available" in caplog.text
    assert resolve_device("cpu") == "cpu"


def test_resolve_device_keeps_cuda_when_available(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("cuda:1") == "cuda:1"


def test_amp_on_cpu_uses_simple_trainer(caplog):
    cfg = OmegaConf.create({"train": {"amp": {"enabled": True}}})
    model = torch.nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with caplog.at_level(logging.WARNING):
        trainer = build_trainer(cfg, model, [], optimizer)
    assert type(trainer) is SimpleTrainer and not isinstance(trainer, AMPTrainer)
    assert "needs CUDA" in caplog.text


def test_evaluator_output_dir_defaults_to_inference_folder():
    cfg = L(COCOEvaluator)(dataset_name="x")
    assert with_output_dir(cfg, "/out").output_dir == "/out/inference"
    assert "output_dir" not in cfg  # the config itself is left as is
    given = L(COCOEvaluator)(dataset_name="x", output_dir="/mine")
    assert with_output_dir(given, "/out").output_dir == "/mine"
    plain = L(DatasetEvaluator)()
    assert "output_dir" not in with_output_dir(plain, "/out")


def test_clip_gradients_clips_the_global_norm_before_the_step():
    import torch

    from d2track.engine import clip_gradients

    a, b = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(1))
    optimizer = clip_gradients(torch.optim.SGD([a, b], lr=1.0), max_norm=1.0)
    a.grad, b.grad = torch.tensor([3.0, 0.0]), torch.tensor([4.0])  # global norm 5
    optimizer.step()
    torch.testing.assert_close(a.detach(), torch.tensor([-0.6, 0.0]))
    torch.testing.assert_close(b.detach(), torch.tensor([-0.8]))
    assert isinstance(optimizer, torch.optim.SGD)
    assert type(optimizer).__name__ == "SGDWithGradClip"


def _one_batch():
    return [[{"image": torch.zeros(1)}]]


class _NanEvaluator(DatasetEvaluator):
    """Returns one undefined metric, with its reason, and one defined one."""

    def evaluate(self):
        self.undefined_reasons = {"bbox": {"AP_s": "no small ground-truth box"}}
        return {"bbox": {"AP": 50.0, "AP_s": float("nan")}, "mot": {"MOTA": float("-inf")}}


def test_do_test_writes_strict_json_and_says_why_metrics_are_undefined(tmp_path, caplog):
    import json

    from d2track.engine.defaults import EVAL_RESULTS_FILE, do_test

    cfg = OmegaConf.create(
        {
            "dataloader": {"test": L(_one_batch)(), "evaluator": L(_NanEvaluator)()},
            "train": {"output_dir": str(tmp_path)},
        }
    )
    model = torch.nn.Identity()
    with caplog.at_level(logging.INFO):
        results = do_test(cfg, model)
    assert results["bbox"]["AP_s"] != results["bbox"]["AP_s"]  # NaN in the returned results

    def reject(name):
        raise ValueError(f"bare {name} in {EVAL_RESULTS_FILE}")

    text = (tmp_path / EVAL_RESULTS_FILE).read_text()
    written = json.loads(text, parse_constant=reject)
    assert written == {"bbox": {"AP": 50.0, "AP_s": None}, "mot": {"MOTA": None}}
    assert "bbox/AP_s: undefined (no small ground-truth box)" in caplog.text
    assert "mot/MOTA: undefined (not computable on this data)" in caplog.text
