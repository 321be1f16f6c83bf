"""AtomicCheckpointer: atomic writes, resume past a corrupt checkpoint, load errors name files."""

import logging
import os

import pytest
import torch

from d2track.checkpoint import AtomicCheckpointer, CheckpointLoadError


def _checkpointer(folder, value=0.0):
    model = torch.nn.Linear(2, 1)
    torch.nn.init.constant_(model.weight, value)
    return AtomicCheckpointer(model, str(folder))


def _save(folder, name, iteration, *, mtime):
    _checkpointer(folder, float(iteration)).save(name, iteration=iteration)
    os.utime(folder / f"{name}.pth", (mtime, mtime))


def test_failed_save_leaves_previous_checkpoint_and_tag_intact(tmp_path, monkeypatch):
    checkpointer = _checkpointer(tmp_path)
    checkpointer.save("model_final", iteration=1)
    before = (tmp_path / "model_final.pth").read_bytes()

    def killed_mid_write(obj, f, *args, **kwargs):
        f.write(b"PK\x03\x04 half a checkpoint")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", killed_mid_write)
    with pytest.raises(KeyboardInterrupt):
        checkpointer.save("model_final", iteration=2)
    assert (tmp_path / "model_final.pth").read_bytes() == before
    assert (tmp_path / "last_checkpoint").read_text() == "model_final.pth"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last_checkpoint", "model_final.pth"]


def test_resume_falls_back_from_corrupt_tagged_checkpoint_to_newest_loadable(tmp_path, caplog):
    _save(tmp_path, "model_0000004", 4, mtime=1000)
    _save(tmp_path, "model_0000009", 9, mtime=2000)
    (tmp_path / "model_final.pth").write_bytes(b"")  # killed while written in place
    (tmp_path / "last_checkpoint").write_text("model_final.pth")
    checkpointer = _checkpointer(tmp_path, value=-1.0)
    with caplog.at_level(logging.WARNING):
        extra = checkpointer.resume_or_load("", resume=True)
    assert extra["iteration"] == 9
    assert torch.all(checkpointer.model.weight == 9.0)
    warning = caplog.text
    assert str(tmp_path / "model_final.pth") in warning
    assert str(tmp_path / "model_0000009.pth") in warning


def test_empty_last_checkpoint_tag_falls_back(tmp_path):
    _save(tmp_path, "model_0000004", 4, mtime=1000)
    (tmp_path / "last_checkpoint").write_text("")
    assert _checkpointer(tmp_path).resume_or_load("", resume=True)["iteration"] == 4


def test_loading_a_zero_byte_checkpoint_names_the_file(tmp_path):
    path = tmp_path / "model_final.pth"
    path.write_bytes(b"")
    with pytest.raises(CheckpointLoadError, match="model_final.pth.*EOFError"):
        _checkpointer(tmp_path).load(str(path))


def test_resume_with_nothing_loadable_raises_naming_the_tagged_file(tmp_path):
    (tmp_path / "model_final.pth").write_bytes(b"")
    (tmp_path / "last_checkpoint").write_text("model_final.pth")
    with pytest.raises(CheckpointLoadError, match=str(tmp_path / "model_final.pth")):
        _checkpointer(tmp_path).resume_or_load("", resume=True)


def test_resume_removes_temp_files_of_killed_writes(tmp_path):
    _save(tmp_path, "model_0000004", 4, mtime=1000)
    left = tmp_path / ".model_0000009.pth.k3j2x.tmp"  # what kill -9 during save() leaves
    left.write_bytes(b"half")
    _checkpointer(tmp_path).resume_or_load("", resume=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last_checkpoint", "model_0000004.pth"]


def test_checked_loading_names_an_unreadable_file(tmp_path):
    from d2track.checkpoint import load_weights

    (tmp_path / "empty.pth").write_bytes(b"")
    with pytest.raises(CheckpointLoadError, match=f"cannot load checkpoint {tmp_path}/empty.pth"):
        load_weights(torch.nn.Linear(2, 1), str(tmp_path / "empty.pth"))
