"""``install()``: one finder, the newest copy wins, the library copy wins ties."""

import sys

import pytest

import d2track.compat as compat
from d2track.compat import _finder


@pytest.fixture
def saved_meta_path():
    saved = list(sys.meta_path)
    yield
    sys.meta_path[:] = saved


def _compat_finders():
    return [f for f in sys.meta_path if hasattr(f, "d2_compat_version")]


def test_install_is_idempotent(saved_meta_path):
    compat.install()
    compat.install()
    finders = _compat_finders()
    assert len(finders) == 1 and finders[0].package == "d2track.compat"


def test_newer_copy_is_kept_and_older_is_replaced(saved_meta_path):
    compat.uninstall()
    newer = _finder.CompatFinder(version=compat.SHIM_VERSION + 1, package="_detectron2_compat")
    sys.meta_path.insert(0, newer)
    assert compat.install() is False
    assert _compat_finders() == [newer]

    compat.uninstall()
    older = _finder.CompatFinder(version=compat.SHIM_VERSION - 1, package="_detectron2_compat")
    sys.meta_path.insert(0, older)
    assert compat.install() is True
    assert [f.package for f in _compat_finders()] == ["d2track.compat"]


def test_library_copy_wins_a_tie(saved_meta_path):
    compat.uninstall()
    hook = _finder.CompatFinder(version=compat.SHIM_VERSION, package="_detectron2_compat")
    sys.meta_path.insert(0, hook)
    assert compat.install() is True
    assert [f.package for f in _compat_finders()] == ["d2track.compat"]


def test_finder_ignores_other_modules():
    finder = _finder.CompatFinder(version=1, package="x")
    assert finder.find_spec("json") is None
    assert finder.find_spec("detectron2.modeling") is None
