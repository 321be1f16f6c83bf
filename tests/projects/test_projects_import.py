import importlib
import sys

import pytest

import d2track.projects as projects


def test_project_package_imports_with_submodules(tmp_path, monkeypatch, isolated_projects):
    pkg = tmp_path / "SELSA" / "selsa"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .head import VALUE\n")
    (pkg / "head.py").write_text("VALUE = 42\n")
    monkeypatch.setattr(projects, "PROJECT_ROOT", tmp_path)
    for name in ("d2track.projects.selsa", "d2track.projects.selsa.head"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    module = importlib.import_module("d2track.projects.selsa")
    assert module.VALUE == 42
    assert importlib.import_module("d2track.projects.selsa.head").__file__ == str(pkg / "head.py")


def test_unknown_or_missing_project_is_not_found(tmp_path, monkeypatch, isolated_projects):
    monkeypatch.setattr(projects, "PROJECT_ROOT", tmp_path)
    monkeypatch.delitem(sys.modules, "d2track.projects.dff", raising=False)
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("d2track.projects.dff")  # in the repo, not in this root
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("d2track.projects.nothing")
