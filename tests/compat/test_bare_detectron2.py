"""Detectron2 installed by ``make setup`` works in an interpreter that never imports d2track."""

import importlib.metadata as md
import subprocess
import sys

import pytest

PURE = md.version("detectron2").endswith("+pure")
needs_pure = pytest.mark.skipif(
    not PURE, reason="a user-provided Detectron2 build is installed (d2track leaves it untouched)"
)


def _run(code, cwd):
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@needs_pure
def test_bare_imports_work_without_d2track(tmp_path):
    code = (
        "import sys\n"
        "from detectron2.data import transforms\n"
        "import detectron2.modeling, detectron2.model_zoo\n"
        "from detectron2 import model_zoo\n"
        "cfg = model_zoo.get_config('common/models/mask_rcnn_fpn.py')\n"
        "assert 'd2track' not in sys.modules, 'd2track was imported'\n"
        "print('OK', cfg.model.roi_heads.num_classes, sys.modules['_detectron2_compat'].__name__)\n"
    )
    result = _run(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["OK", "80", "_detectron2_compat"]


@needs_pure
def test_pip_knows_the_distribution():
    assert md.version("detectron2") == "0.6+pure"
    meta = md.metadata("detectron2")
    assert meta["Name"] == "detectron2" and meta["License"] == "Apache-2.0"
    files = {str(f) for f in md.files("detectron2")}
    assert {"detectron2/_C.py", "detectron2_compat.pth", "_detectron2_compat/__init__.py"} <= files
    show = subprocess.run(
        [sys.executable, "-m", "pip", "show", "detectron2"], capture_output=True, text=True
    )
    assert "Version: 0.6+pure" in show.stdout


def test_d2track_first_also_works(tmp_path):
    code = "import d2track, detectron2.modeling, detectron2.engine; print('OK')"
    result = _run(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "OK"
