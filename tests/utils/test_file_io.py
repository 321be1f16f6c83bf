import json
import os

import numpy as np
import pytest

from d2track.utils.file_io import atomic_open, dump_json, new_file_mode, remove_temp_files


def test_dump_json_writes_and_replaces(tmp_path):
    path = tmp_path / "sub" / "out.json"
    dump_json({"a": 1}, str(path))
    dump_json({"a": 2}, str(path))
    assert json.loads(path.read_text()) == {"a": 2}
    assert os.listdir(path.parent) == ["out.json"]


def test_failed_write_keeps_old_content_and_leaves_no_temp(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_open(str(path)) as f:
            f.write("half")
            raise RuntimeError("boom")
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_read_mode_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="writes only"):
        with atomic_open(str(tmp_path / "x"), "r"):
            pass


def test_written_files_are_not_private(tmp_path):
    path = tmp_path / "out.json"
    dump_json({}, str(path))
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


@pytest.fixture(params=[0o022, 0o002, 0o077])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_atomic_open_gives_usual_mode_under_umask(tmp_path, umask):
    path = tmp_path / "out.txt"
    with atomic_open(str(path)) as f:
        f.write("x")
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # 0o644 under 022, 0o664 under 002
    assert os.umask(umask) == umask  # reading the umask left it as it was


def _reject_constant(name):
    raise ValueError(f"non-strict JSON constant {name}")


def test_dump_json_writes_non_finite_as_null(tmp_path):
    path = tmp_path / "eval_results.json"
    results = {
        "bbox": {"bbox_mAP": 12.5, "bbox_mAP_s": float("nan"), "AP": np.float32("nan")},
        "mot": {"MOTA": -float("inf"), "IDSW": np.int64(3), "curve": np.array([0.5, np.nan])},
    }
    undefined = dump_json(results, str(path))
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    loaded = json.loads(text, parse_constant=_reject_constant)
    assert loaded == {
        "bbox": {"bbox_mAP": 12.5, "bbox_mAP_s": None, "AP": None},
        "mot": {"MOTA": None, "IDSW": 3, "curve": [0.5, None]},
    }
    assert undefined == ["bbox/bbox_mAP_s", "bbox/AP", "mot/MOTA", "mot/curve/1"]
    assert results["bbox"]["bbox_mAP_s"] != results["bbox"]["bbox_mAP_s"]  # input left alone


def test_dumps_json_is_strict():
    from d2track.utils.file_io import dumps_json

    assert dumps_json([1.0, float("nan"), {"a": np.float64("inf")}]) == '[1.0, null, {"a": null}]'


def test_new_file_mode_follows_the_umask(umask):
    assert new_file_mode() == 0o666 & ~umask
    assert new_file_mode(directory=True) == 0o777 & ~umask


def test_remove_temp_files_removes_only_interrupted_writes(tmp_path):
    for name in (".a.json.x1.tmp", ".model_final.pth.y2.tmp", "kept.tmp", ".hidden", "a.json"):
        (tmp_path / name).write_text("x")
    removed = remove_temp_files(str(tmp_path))
    assert [os.path.basename(p) for p in removed] == [".a.json.x1.tmp", ".model_final.pth.y2.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hidden", "a.json", "kept.tmp"]
    assert remove_temp_files(str(tmp_path / "missing")) == []
