"""Fixtures for tests that import project packages from temporary project roots."""

import sys

import pytest

import d2track.projects as projects
from d2track.checkpoint import mmtrack

PREFIX = "d2track.projects."


@pytest.fixture
def isolated_projects(monkeypatch):
    """Undo, after the test, its project imports (``sys.modules`` and the attributes of
    ``d2track.projects``) and checkpoint rule registrations; ``$D2TRACK_PROJECTS`` starts unset.
    """
    monkeypatch.delenv(projects.ENV_VAR, raising=False)
    monkeypatch.setattr(mmtrack, "_METHOD_RULES", dict(mmtrack._METHOD_RULES))
    modules = {k: v for k, v in sys.modules.items() if k.startswith(PREFIX)}
    attributes = dict(vars(projects))
    yield
    for name in [k for k in sys.modules if k.startswith(PREFIX)]:
        del sys.modules[name]
    sys.modules.update(modules)
    for name in set(vars(projects)) - set(attributes):
        delattr(projects, name)
    vars(projects).update(attributes)
