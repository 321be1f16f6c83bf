"""A new project (a package and a config under a projects root) needs no edit under d2track/."""

import importlib.util
import os
import sys
from pathlib import Path

import pytest
import torch
from detectron2.config import LazyConfig, instantiate

import d2track.projects as projects
from d2track.checkpoint import method_rules

REPO = Path(__file__).resolve().parents[2]
PACKAGE = '''
"""A project nobody listed anywhere."""

from torch import nn

from d2track.checkpoint import Rule, register_method_rules


class NewHead(nn.Module):
    def __init__(self, *, channels):
        super().__init__()
        self.fc = nn.Linear(channels, channels)


register_method_rules("newmethod", (Rule(r"aggregator\\.(.*)", r"roi_heads.new_head.\\1"),))
'''
CONFIG = """
from detectron2.config import LazyCall as L

from d2track.projects.newmethod import NewHead

model = L(NewHead)(channels=3)
"""


def load_tool():
    spec = importlib.util.spec_from_file_location(
        "convert_mmtrack_checkpoint", REPO / "tools/convert_mmtrack_checkpoint.py"
    )
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


@pytest.fixture
def new_root(tmp_path, monkeypatch, isolated_projects):
    """``$D2TRACK_PROJECTS`` -> a root with ``NewMethod/{newmethod/__init__.py,configs/x.py}``."""
    root = tmp_path / "projects"
    (root / "NewMethod" / "newmethod").mkdir(parents=True)
    (root / "NewMethod" / "configs").mkdir()
    (root / "NewMethod" / "newmethod" / "__init__.py").write_text(PACKAGE)
    (root / "NewMethod" / "configs" / "x.py").write_text(CONFIG)
    monkeypatch.setenv(projects.ENV_VAR, str(root))
    return root


def test_discovery_overlays_the_repo_projects(new_root):
    assert projects.project_roots() == [new_root, projects.PROJECT_ROOT]
    found = projects.discover_projects()
    assert found["newmethod"] == new_root / "NewMethod" / "newmethod"
    assert found["selsa"] == projects.PROJECT_ROOT / "SELSA" / "selsa"
    assert list(projects.discover_projects([new_root])) == ["newmethod"]
    assert {"dff", "fgfa", "selsa", "troi"} <= set(projects.discover_projects())


def test_new_project_config_loads(new_root):
    cfg = LazyConfig.load(str(new_root / "NewMethod" / "configs" / "x.py"))
    model = instantiate(cfg.model)
    assert type(model).__module__ == "d2track.projects.newmethod"
    assert model.fc.in_features == 3
    assert method_rules("newmethod")[0].replacement == r"roi_heads.new_head.\1"


def test_converter_method_choice_applies_the_project_rules(new_root, tmp_path, capsys):
    torch.save({"state_dict": {"aggregator.w": torch.ones(2)}}, tmp_path / "in.pth")
    tool = load_tool()
    for method in ("newmethod", "selsa", "dff", "fgfa", "troi"):  # the repo's still work
        assert tool.parse_args(["in", "out", "--method", method]).method == method
    code = tool.main([str(tmp_path / "in.pth"), str(tmp_path / "out.pth"), "--method", "newmethod"])
    assert code == 0
    assert (
        "1 tensors converted, 0 dropped (BatchNorm counters, classifier), 0 unmapped"
        in capsys.readouterr().out
    )
    saved = torch.load(tmp_path / "out.pth", weights_only=True)["model"]
    assert saved["roi_heads.new_head.w"].tolist() == [1.0, 1.0]
    with pytest.raises(SystemExit):
        tool.parse_args(["in", "out", "--method", "nothing"])


def test_env_roots_come_first_and_duplicates_in_a_root_fail(
    tmp_path, monkeypatch, isolated_projects
):
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first / "X" / "pkg", second / "Y" / "pkg", second / "Z" / "pkg"):
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text("")
    monkeypatch.setenv(projects.ENV_VAR, os.pathsep.join([str(first), str(second)]))
    assert projects.find_project("pkg") == first / "X" / "pkg"
    with pytest.raises(ImportError, match="two projects have a package 'pkg'"):
        projects.find_project("pkg", [second])


def test_configs_tests_and_non_identifiers_are_not_packages(tmp_path):
    for name in ("configs", "tests", "not-a-name", "pkg"):
        (tmp_path / "M" / name).mkdir(parents=True)
        (tmp_path / "M" / name / "__init__.py").write_text("")
    assert list(projects.discover_projects([tmp_path, tmp_path / "missing"])) == ["pkg"]
    assert projects.find_project("configs", [tmp_path]) is None


def test_new_project_module_is_gone_after_the_test():
    """The fixture undid the imports of the tests above (they ran first, in file order)."""
    assert "d2track.projects.newmethod" not in sys.modules
    assert not hasattr(projects, "newmethod")
    assert "newmethod" not in projects.discover_projects()
    with pytest.raises(KeyError, match="no checkpoint rules registered for 'newmethod'"):
        method_rules("newmethod")


def test_installed_from_a_wheel_finds_projects_through_the_env_var(
    tmp_path, monkeypatch, isolated_projects
):
    """A wheel has no ``projects/`` next to ``d2track/``: ``$D2TRACK_PROJECTS`` points at one."""
    monkeypatch.setattr(projects, "PROJECT_ROOT", tmp_path / "site-packages-parent" / "projects")
    assert projects.discover_projects() == {}
    assert projects.PROJECTS == {}
    monkeypatch.setenv(projects.ENV_VAR, str(REPO / "projects"))
    assert projects.PROJECTS == {
        "dff": "DFF",
        "fgfa": "FGFA",
        "masktrack": "MaskTrackRCNN",
        "qdtrack": "QDTrack",
        "selsa": "SELSA",
        "siamrpn": "SiamRPNpp",
        "strongsort": "StrongSORT",
        "troi": "TemporalRoIAlign",
    }
