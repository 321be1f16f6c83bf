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


def _fake_pip(calls, sdist):
    """Stand-in for ``installer.run``: records commands, 'downloads' by copying ``sdist``."""

    def run(cmd, **kwargs):
        calls.append((cmd, kwargs.get("env")))
        if "download" in cmd:
            dest = Path(cmd[cmd.index("-d") + 1])
            dest.mkdir(parents=True, exist_ok=True)
            (dest / installer.SDIST_NAME).write_bytes(sdist)

    return run


@pytest.mark.parametrize("pip_version,uses_old_pip", [((23, 2), False), ((26, 3), True)])
def test_download_is_hash_pinned_and_copes_with_new_pip(
    tmp_path, monkeypatch, pip_version, uses_old_pip
):
    if not SDIST.is_file():
        pytest.skip(f"{SDIST} is not cached: run `make setup` first")
    calls = []
    monkeypatch.setattr(installer, "run", _fake_pip(calls, SDIST.read_bytes()))
    monkeypatch.setattr(installer, "pip_version", lambda: pip_version)
    path = installer.download_sdist(tmp_path / "cache")
    assert path == tmp_path / "cache" / installer.SDIST_NAME and path.is_file()
    download_cmd, env = calls[-1]
    assert "--require-hashes" in download_cmd and "--no-deps" in download_cmd
    assert ("pip<26.3" in calls[0][0]) is uses_old_pip
    assert ("oldpip" in env.get("PYTHONPATH", "")) is uses_old_pip
    # Cached now: a second call downloads nothing.
    calls.clear()
    assert installer.download_sdist(tmp_path / "cache") == path and calls == []


def test_download_with_wrong_hash_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(installer, "run", _fake_pip([], b"not the sdist"))
    monkeypatch.setattr(installer, "pip_version", lambda: (23, 2))
    with pytest.raises(SystemExit, match="sha256 mismatch"):
        installer.download_sdist(tmp_path / "cache")
    assert not (tmp_path / "cache" / installer.SDIST_NAME).exists()


def test_stale_hook_detection(tmp_path):
    init = tmp_path / "__init__.py"
    init.write_text("x = 1\nSHIM_VERSION = 0\n")
    assert installer.shim_version(init) == 0
    init.write_text("nothing here\n")
    assert installer.shim_version(init) == -1
    assert installer.shim_version(REPO / "d2track/compat/__init__.py") >= 1
    assert installer.hook_is_stale() is False  # make setup installed the current hook
