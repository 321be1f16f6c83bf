import importlib.util
import re
import sys
from pathlib import Path

import pytest
import torch
from detectron2.checkpoint import DetectionCheckpointer
from detectron2.config import instantiate

from d2track import projects
from d2track.config import get_config

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "convert_mmtrack_checkpoint", REPO / "tools/convert_mmtrack_checkpoint.py"
)
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


@pytest.fixture
def fake_project(tmp_path, monkeypatch):
    """A project root with ``FakeMethod/fake_method/``, whose ``__init__.py`` the test writes;
    its import and the rules it registers are undone after the test."""
    from d2track.checkpoint import mmtrack

    package = tmp_path / "projects" / "FakeMethod" / "fake_method"
    package.mkdir(parents=True)
    monkeypatch.setenv(projects.ENV_VAR, str(tmp_path / "projects"))
    monkeypatch.setattr(mmtrack, "_METHOD_RULES", dict(mmtrack._METHOD_RULES))
    yield package / "__init__.py"
    sys.modules.pop("d2track.projects.fake_method", None)
    if hasattr(projects, "fake_method"):
        delattr(projects, "fake_method")


def run(capsys, argv):
    code = tool.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def mmtrack_checkpoint(path):
    """A small MMTracking-style checkpoint with the tiny config's stem and RPN shapes."""
    state = {
        "detector.backbone.conv1.weight": torch.randn(16, 3, 7, 7),
        "detector.backbone.bn1.weight": torch.rand(16),
        "detector.backbone.bn1.num_batches_tracked": torch.tensor(7),
        "detector.rpn_head.rpn_cls.weight": torch.randn(12, 128, 1, 1),
        "detector.rpn_head.rpn_cls.bias": torch.arange(12.0),
        "motion.flownet.conv1.weight": torch.randn(64, 6, 7, 7),
        "aggregator.0.weight": torch.randn(2, 2),
    }
    meta = {"mmcv_version": "1.7.0", "CLASSES": ("airplane", "antelope"), "epoch": 7}
    torch.save({"meta": meta, "state_dict": state}, path)
    return state


def test_end_to_end(tmp_path, capsys):
    state = mmtrack_checkpoint(tmp_path / "in.pth")
    out_path = tmp_path / "sub" / "out.pth"
    code, out, err = run(capsys, [tmp_path / "in.pth", out_path])
    assert code == 0 and err == ""
    assert (
        f"wrote {out_path}: 4 tensors converted, 1 dropped (BatchNorm counters, classifier), "
        "2 unmapped" in out
    )
    assert "motion.flownet.conv1.weight  (64, 6, 7, 7)" in out
    assert "aggregator.0.weight          (2, 2)" in out
    assert [p.name for p in out_path.parent.iterdir()] == ["out.pth"]  # no temporary left

    saved = torch.load(out_path, weights_only=True)
    assert saved["__author__"] == "mmtracking" and saved["matching_heuristics"] is False
    assert sorted(saved["model"]) == [
        "backbone.bottom_up.stem.conv1.norm.weight",
        "backbone.bottom_up.stem.conv1.weight",
        "proposal_generator.rpn_head.objectness_logits.bias",
        "proposal_generator.rpn_head.objectness_logits.weight",
    ]
    bias = saved["model"]["proposal_generator.rpn_head.objectness_logits.bias"]
    assert bias.tolist() == [0.0, 4.0, 8.0, 1.0, 5.0, 9.0, 2.0, 6.0, 10.0, 3.0, 7.0, 11.0]

    model = instantiate(get_config("common/models/faster_rcnn_tiny_synthetic.py").model)
    DetectionCheckpointer(model).load(str(out_path))
    stem = model.backbone.bottom_up.stem.conv1
    assert torch.equal(stem.weight, state["detector.backbone.conv1.weight"])
    assert torch.equal(stem.norm.weight, state["detector.backbone.bn1.weight"])
    assert torch.equal(model.proposal_generator.rpn_head.objectness_logits.bias, bias)


def test_strict_and_method_without_rules(tmp_path, capsys, fake_project):
    mmtrack_checkpoint(tmp_path / "in.pth")
    code, out, _ = run(capsys, [tmp_path / "in.pth", tmp_path / "out.pth", "--strict"])
    assert code == 1 and "2 unmapped" in out
    assert (tmp_path / "out.pth").is_file()
    fake_project.write_text("")
    argv = [tmp_path / "in.pth", tmp_path / "out2.pth", "--method", "fake_method"]
    code, out, err = run(capsys, argv)
    assert code == 0 and "2 unmapped" in out
    assert "warning: d2track.projects.fake_method registers no conversion rules yet" in err


def test_method_rules_are_used(tmp_path, capsys, fake_project):
    """``--method`` imports the project, whose import registers its rules."""
    mmtrack_checkpoint(tmp_path / "in.pth")
    fake_project.write_text(
        "from d2track.checkpoint import Rule, register_method_rules\n"
        "register_method_rules('fake_method', [Rule(r'(motion|aggregator)\\.(.*)', r'\\1.\\2')])\n"
    )
    argv = [tmp_path / "in.pth", tmp_path / "out.pth", "--method", "fake_method", "--strict"]
    code, out, err = run(capsys, argv)
    assert code == 0 and err == ""
    assert "6 tensors converted, 1 dropped (BatchNorm counters, classifier), 0 unmapped" in out
    assert "motion.flownet.conv1.weight" in torch.load(tmp_path / "out.pth")["model"]


@pytest.mark.parametrize(
    "content, message",
    [
        ({"model": {}}, r"no 'state_dict' dict \(found \['model'\]\): not an MMTracking"),
        ([1, 2], r"no 'state_dict' dict \(found <class 'list'>\)"),
        ({"state_dict": {"a": 1}}, r"state_dict\['a'\] is not a tensor"),
    ],
)
def test_bad_checkpoints(tmp_path, capsys, content, message):
    path = tmp_path / "bad.pth"
    torch.save(content, path)
    code, out, err = run(capsys, [path, tmp_path / "out.pth"])
    assert code == 2 and out == ""
    assert err.startswith(f"error: {path}: ")
    assert re.search(message, err)
    assert not (tmp_path / "out.pth").exists()


def test_unreadable_and_missing(tmp_path, capsys):
    path = tmp_path / "text.pth"
    path.write_text("not a checkpoint")
    code, _, err = run(capsys, [path, tmp_path / "out.pth"])
    assert code == 2 and err.startswith(f"error: {path}: ")
    code, _, err = run(capsys, [tmp_path / "missing.pth", tmp_path / "out.pth"])
    assert code == 2 and f"{tmp_path / 'missing.pth'}: missing checkpoint" in err


def test_pickled_objects_need_unsafe_load(tmp_path, capsys):
    path = tmp_path / "pickled.pth"
    torch.save({"state_dict": {}, "meta": {"path": Path("x")}}, path)
    code, _, err = run(capsys, [path, tmp_path / "out.pth"])
    assert code == 2 and "cannot unpickle" in err and "--unsafe-load" in err
    code, out, _ = run(capsys, [path, tmp_path / "out.pth", "--unsafe-load"])
    assert code == 0 and "0 tensors converted" in out


def test_imagenet_resnet_initialises_the_r50_backbone(tmp_path, capsys):
    import torchvision

    state = torchvision.models.resnet50().state_dict()
    torch.save(state, tmp_path / "resnet50.pth")
    code, out, _ = run(capsys, [tmp_path / "resnet50.pth", tmp_path / "r50.pth", "--imagenet"])
    assert code == 0 and "0 unmapped" in out
    model = instantiate(get_config("common/models/faster_rcnn_r50_dc5.py").model)
    converted = torch.load(tmp_path / "r50.pth")
    assert converted["__author__"] == "torchvision"
    weights = converted["model"]
    assert set(weights) == {k for k in model.state_dict() if k.startswith("backbone.bottom_up.")}
    torch.testing.assert_close(
        weights["backbone.bottom_up.res5.2.conv3.weight"], state["layer4.2.conv3.weight"]
    )
    DetectionCheckpointer(model).load(str(tmp_path / "r50.pth"))
    torch.testing.assert_close(model.backbone.bottom_up.stem.conv1.weight, state["conv1.weight"])


def test_repo_project_method(tmp_path, capsys):
    """``--method selsa`` imports ``projects/SELSA/selsa``, which registers SELSA's rules."""
    key = "detector.roi_head.bbox_head.aggregator.1.ref_fc_embed.weight"
    torch.save({"state_dict": {key: torch.ones(2)}}, tmp_path / "in.pth")
    argv = [tmp_path / "in.pth", tmp_path / "out.pth", "--method", "selsa", "--strict"]
    code, out, err = run(capsys, argv)
    assert code == 0 and err == "" and "0 unmapped" in out
    saved = torch.load(tmp_path / "out.pth", weights_only=True)["model"]
    assert list(saved) == ["roi_heads.box_head.aggregator.1.ref_fc_embed.weight"]
