import json
import os

import pytest

from d2track.utils.file_io import atomic_open, dump_json


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
