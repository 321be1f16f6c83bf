"""The Detectron2 installer: wheel contents, RECORD, idempotence. Uses the sdist cached by setup."""

import base64
import hashlib
import importlib.util
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "install_detectron2", REPO / "scripts/install_detectron2.py"
)
installer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(installer)

SDIST = REPO / ".cache" / "detectron2" / installer.SDIST_NAME


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    if not SDIST.is_file():
        pytest.skip(f"{SDIST} is not cached: run `make setup` first")
    assert installer.sha256_of(SDIST) == installer.SDIST_SHA256
    stage = tmp_path_factory.mktemp("stage")
    license_file = installer.stage_sources(SDIST, stage, with_hook=True)
    return installer.build_wheel(stage, license_file, stage)


def test_wheel_name_and_metadata(wheel):
    assert wheel.name == "detectron2-0.6+pure-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as whl:
        meta = whl.read("detectron2-0.6+pure.dist-info/METADATA").decode()
        assert "Name: detectron2\nVersion: 0.6+pure\n" in meta
        assert "Requires-Dist: fvcore>=0.1.5,<0.1.6" in meta
        assert "Apache License" in whl.read("detectron2-0.6+pure.dist-info/LICENSE").decode()
        assert b"Root-Is-Purelib: true" in whl.read("detectron2-0.6+pure.dist-info/WHEEL")


def test_wheel_contents(wheel):
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        stub = (REPO / "d2track/compat/stub_c.py").read_bytes()
        assert whl.read("detectron2/_C.py") == stub
        assert whl.read("detectron2_compat.pth") == (
            b"import _detectron2_compat; _detectron2_compat.install()\n"
        )
    assert "detectron2/model_zoo/configs/common/models/mask_rcnn_fpn.py" in names
    assert "detectron2/projects/point_rend/__init__.py" in names
    assert "_detectron2_compat/fixes.py" in names
    assert not [n for n in names if n.endswith((".so", ".pyc")) or "/csrc/" in n]


def test_record_hashes_every_file(wheel):
    with zipfile.ZipFile(wheel) as whl:
        rows = whl.read("detectron2-0.6+pure.dist-info/RECORD").decode().splitlines()
        assert rows[-1] == "detectron2-0.6+pure.dist-info/RECORD,,"
        recorded = {}
        for row in rows[:-1]:
            path, digest, size = row.rsplit(",", 2)
            recorded[path] = (digest, int(size))
        assert set(recorded) == set(whl.namelist()) - {"detectron2-0.6+pure.dist-info/RECORD"}
        for path, (digest, size) in recorded.items():
            data = whl.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert digest == "sha256=" + expected.decode() and size == len(data), path


def test_present_detectron2_is_left_untouched(capsys):
    installer.main([])
    assert "left untouched" in capsys.readouterr().out
