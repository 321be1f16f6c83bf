"""d2track.checkpoint.loading: strict loading for inference, checked training init."""

import argparse
import logging
import pickle

import pytest
import torch
from detectron2.checkpoint import DetectionCheckpointer
from torch import nn

from d2track.checkpoint import (
    CheckpointMismatchError,
    MissingWeightsError,
    add_allow_partial_argument,
    load_eval_weights,
    load_weights,
    resume_or_load,
)


class Net(nn.Module):
    """4 weights: backbone.{weight,bias}, head.{weight,bias}."""

    def __init__(self, classes=3):
        super().__init__()
        self.backbone = nn.Conv2d(3, 4, 1)
        self.head = nn.Linear(4, classes)


class Other(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(5, 5)


def save(tmp_path, module, name="model.pth", **extra):
    path = tmp_path / name
    torch.save({"model": module.state_dict(), **extra}, path)
    return str(path)


@pytest.fixture
def d2_warnings(caplog):
    caplog.set_level(logging.WARNING, logger="fvcore.common.checkpoint")
    return caplog


def test_exact_checkpoint_loads_and_returns_extra_data(tmp_path):
    torch.manual_seed(0)
    source = Net()
    path = save(tmp_path, source, iteration=7)
    target = Net()
    assert load_weights(target, path) == {"iteration": 7}
    assert torch.equal(target.head.weight, source.head.weight)


def test_checkpoint_of_another_model_names_file_count_and_keys(tmp_path):
    path = save(tmp_path, Other(), name="reid.pth")
    with pytest.raises(CheckpointMismatchError) as error:
        load_weights(Net(), path)
    message = str(error.value)
    assert f"0 of 4 model weights found in {path}" in message
    assert "4 missing: backbone.weight, backbone.bias, head.weight, head.bias" in message
    assert "2 in the checkpoint only: embed.weight, embed.bias" in message
    assert "pass --allow-partial" in message


def test_shape_mismatch_is_an_error(tmp_path):
    path = save(tmp_path, Net(classes=5))
    with pytest.raises(CheckpointMismatchError) as error:
        load_weights(Net(classes=3), path)
    message = str(error.value)
    assert "2 of 4 model weights found" in message
    assert "head.weight (checkpoint (5, 4), model (3, 4))" in message
    assert "missing" not in message  # the mis-shaped keys are not listed twice


def test_long_key_lists_are_cut(tmp_path):
    big = nn.Sequential(*[nn.Linear(2, 2) for _ in range(4)])  # 8 weights
    path = save(tmp_path, Other())
    with pytest.raises(CheckpointMismatchError, match=r"8 missing: 0.weight, .*\(3 more\)"):
        load_weights(big, path)


def test_allow_partial_loads_what_matches_with_warnings(tmp_path, d2_warnings):
    torch.manual_seed(0)
    source = Net(classes=5)
    target = Net(classes=3)
    head = target.head.weight.clone()
    load_weights(target, save(tmp_path, source), allow_partial=True)
    assert torch.equal(target.backbone.weight, source.backbone.weight)
    assert torch.equal(target.head.weight, head)  # skipped: other shape
    assert "incompatible shapes" in d2_warnings.text
    load_weights(Net(), save(tmp_path, Other()), allow_partial=True)  # even nothing


def test_extra_checkpoint_keys_only_warn(tmp_path, d2_warnings):
    class Bigger(Net):
        def __init__(self):
            super().__init__()
            self.extra = nn.Linear(2, 2)

    load_weights(Net(), save(tmp_path, Bigger()))
    assert "not used by the model" in d2_warnings.text and "extra." in d2_warnings.text


def test_missing_or_empty_path_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.pth"):
        load_weights(Net(), str(tmp_path / "nothere.pth"))
    with pytest.raises(FileNotFoundError, match="No checkpoint path"):
        load_weights(Net(), "")


def test_detectron2_matching_heuristics_are_kept(tmp_path):
    """A Detectron2 model zoo .pkl is matched by key suffix (``detector.`` prefix added)."""

    class Wrapper(nn.Module):
        def __init__(self):
            super().__init__()
            self.detector = Net()

    torch.manual_seed(0)
    source = Net()
    blob = {k: v.numpy() for k, v in source.state_dict().items()}
    path = tmp_path / "zoo.pkl"
    data = {"model": blob, "__author__": "Detectron2 Model Zoo", "matching_heuristics": True}
    path.write_bytes(pickle.dumps(data))
    target = Wrapper()
    load_weights(target, str(path))
    assert torch.equal(target.detector.head.bias, source.head.bias)


def test_training_init_allows_partial_but_not_nothing(tmp_path, d2_warnings):
    torch.manual_seed(0)
    source = Net(classes=5)
    target = Net(classes=3)
    checkpointer = DetectionCheckpointer(target, str(tmp_path / "out"))
    resume_or_load(checkpointer, save(tmp_path, source), resume=False)  # backbone only: fine
    assert torch.equal(target.backbone.weight, source.backbone.weight)
    assert "incompatible shapes" in d2_warnings.text
    other = save(tmp_path, Other(), name="other.pth")
    with pytest.raises(CheckpointMismatchError, match=r"(?s)0 of 4 .*train.init_checkpoint=\"\""):
        resume_or_load(checkpointer, other, resume=False)
    assert resume_or_load(checkpointer, "", resume=False) == {}  # from scratch
    with pytest.raises(FileNotFoundError, match="gone.pth"):
        resume_or_load(checkpointer, str(tmp_path / "gone.pth"), resume=False)


def test_resume_takes_the_last_checkpoint(tmp_path):
    torch.manual_seed(0)
    source = Net()
    DetectionCheckpointer(source, str(tmp_path)).save("model_0000004", iteration=4)
    target = Net()
    checkpointer = DetectionCheckpointer(target, str(tmp_path))
    other = save(tmp_path, Other(), name="other.pth")  # ignored: a last checkpoint exists
    assert resume_or_load(checkpointer, other, resume=True)["iteration"] == 4
    assert torch.equal(target.head.weight, source.head.weight)


def test_eval_weights_without_checkpoint(tmp_path):
    with pytest.raises(MissingWeightsError, match="--weights=PATH"):
        load_eval_weights(Net(), "", source="--weights")
    load_eval_weights(Net(), "", allow_partial=True)  # random on purpose

    class SelfLoaded(Net):
        checked = 0

        def check_weights(self):
            SelfLoaded.checked += 1

    load_eval_weights(SelfLoaded(), "")
    load_eval_weights(SelfLoaded(), save(tmp_path, Net()))
    assert SelfLoaded.checked == 2


def test_allow_partial_argument():
    parser = add_allow_partial_argument(argparse.ArgumentParser())
    assert parser.parse_args(["--allow-partial"]).allow_partial
    assert not parser.parse_args([]).allow_partial
