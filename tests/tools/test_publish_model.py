"""tools/model_converters/publish_model.py on a tiny model's training checkpoint."""

import hashlib
import re
import runpy
from pathlib import Path

import pytest
import torch
from torch import nn

from d2track.checkpoint import AtomicCheckpointer, load_weights
from d2track.engine.resume import get_rng_state

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "tools/model_converters/publish_model.py"
RESUME_ONLY = ["iteration", "optimizer", "scheduler", "trainer"]


@pytest.fixture(scope="module")
def main():
    return runpy.run_path(str(TOOL), run_name="publish_model")["main"]


def tiny_model(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 2, 1))


def training_checkpoint(folder, **extra):
    """A checkpoint as tools/lazyconfig_train_net.py writes it: weights, optimizer, scheduler,
    iteration, and the trainer's hook states (random states, loader position)."""
    model = tiny_model(0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.rand(2, 3, 8, 8)).sum().backward()
    optimizer.step()  # momentum buffers: the optimizer state is not empty
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=5)
    checkpointer = AtomicCheckpointer(model, str(folder), optimizer=optimizer, scheduler=scheduler)
    rank = {"rng": get_rng_state(), "data": {"seed": 1, "next_position": 16, "pending": []}}
    hooks = {"LRScheduler": scheduler.state_dict(), "ResumeStateHook": {"ranks": [rank]}}
    trainer = {"iteration": 9, "hooks": hooks}
    checkpointer.save("model_final", iteration=9, trainer=trainer, **extra)
    return model, folder / "model_final.pth"


def test_publish_keeps_the_weights_and_names_the_file_by_its_hash(main, tmp_path, capsys):
    model, checkpoint = training_checkpoint(tmp_path / "run")
    assert sorted(torch.load(checkpoint)) == sorted(["model", *RESUME_ONLY])
    assert main([str(checkpoint), str(tmp_path / "pub" / "tiny.pth")]) == 0
    out, err = capsys.readouterr()
    final = Path(out.strip())
    assert re.fullmatch(r"tiny-[0-9a-f]{8}\.pth", final.name) and final.parent == tmp_path / "pub"
    data = final.read_bytes()
    assert final.name == f"tiny-{hashlib.sha256(data).hexdigest()[:8]}.pth"
    assert sorted(p.name for p in final.parent.iterdir()) == [final.name]  # nor OUT nor a temp
    assert f"dropped: {', '.join(RESUME_ONLY)}" in err
    assert sorted(torch.load(final)) == ["model"]
    assert len(data) < checkpoint.stat().st_size
    fresh = tiny_model(1)
    load_weights(fresh, str(final))  # strict: every weight of the model, with its shape
    for (name, value), (_, expected) in zip(fresh.state_dict().items(), model.state_dict().items()):
        assert torch.equal(value, expected), name


def test_publish_keeps_the_loading_metadata(main, tmp_path, capsys):
    extra = {"__author__": "mmtracking", "matching_heuristics": False}
    _, checkpoint = training_checkpoint(tmp_path / "run", **extra)
    assert main([str(checkpoint), str(tmp_path / "meta.pth")]) == 0
    final = capsys.readouterr().out.strip()
    published = torch.load(final)
    assert sorted(published) == ["__author__", "matching_heuristics", "model"]
    assert published["__author__"] == "mmtracking" and published["matching_heuristics"] is False
    load_weights(tiny_model(1), final)


def test_bad_inputs_exit_2_naming_the_file(main, tmp_path, capsys):
    missing = tmp_path / "none.pth"
    assert main([str(missing), str(tmp_path / "x.pth")]) == 2
    assert f"error: {missing}: no such checkpoint file" in capsys.readouterr().err
    no_model = tmp_path / "state.pth"
    torch.save({"state_dict": {"w": torch.zeros(1)}}, no_model)
    assert main([str(no_model), str(tmp_path / "x.pth")]) == 2
    assert f"{no_model}: no 'model' dict (found ['state_dict'])" in capsys.readouterr().err
    text = tmp_path / "metrics.json"
    text.write_text('{"iteration": 1}\n')
    assert main([str(text), str(tmp_path / "x.pth")]) == 2
    assert f"{text}: not a torch checkpoint" in capsys.readouterr().err
    assert not (tmp_path / "x.pth").exists() and not list(tmp_path.glob("x-*"))


def test_help(main, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    assert "sha256" in capsys.readouterr().out
