import zipfile

import numpy as np
import pytest

from d2track.evaluation.sot.submission import write_got10k_submission, write_trackingnet_submission

RESULTS = {
    "GOT-10k_Test_000002": np.array([[1, 2, 3.5, 4], [1.23456, -0.5, 10, 20.00004]]),
    "GOT-10k_Test_000001": np.array([[0, 0, 1, 1]]),
}


def _read(zip_path):
    with zipfile.ZipFile(zip_path) as zf:
        return {name: zf.read(name).decode() for name in zf.namelist()}


def test_got10k_layout(tmp_path):
    path = tmp_path / "out" / "got10k.zip"
    write_got10k_submission(RESULTS, str(path))
    files = _read(path)
    assert list(files) == [
        "GOT-10k_Test_000001/GOT-10k_Test_000001_001.txt",
        "GOT-10k_Test_000001/GOT-10k_Test_000001_time.txt",
        "GOT-10k_Test_000002/GOT-10k_Test_000002_001.txt",
        "GOT-10k_Test_000002/GOT-10k_Test_000002_time.txt",
    ]
    assert files["GOT-10k_Test_000002/GOT-10k_Test_000002_001.txt"] == (
        "1.0000,2.0000,3.5000,4.0000\n1.2346,-0.5000,10.0000,20.0000\n"
    )
    assert files["GOT-10k_Test_000002/GOT-10k_Test_000002_time.txt"] == "0.04\n0.04\n"
    assert files["GOT-10k_Test_000001/GOT-10k_Test_000001_001.txt"] == (
        "0.0000,0.0000,1.0000,1.0000\n"
    )
    assert [p.name for p in path.parent.iterdir()] == ["got10k.zip"]  # no temporary left


def test_got10k_times(tmp_path):
    path = tmp_path / "got10k.zip"
    times = {"GOT-10k_Test_000002": [0.125, 0.0123], "GOT-10k_Test_000001": np.array([1.5])}
    write_got10k_submission(RESULTS, str(path), times=times)
    files = _read(path)
    assert files["GOT-10k_Test_000002/GOT-10k_Test_000002_time.txt"] == "0.125\n0.0123\n"
    assert files["GOT-10k_Test_000001/GOT-10k_Test_000001_time.txt"] == "1.5\n"


def test_trackingnet_layout(tmp_path):
    path = tmp_path / "trackingnet.zip"
    write_trackingnet_submission(
        {"b_vid": RESULTS["GOT-10k_Test_000002"], "a": [[5, 6, 7, 8]]}, path
    )
    files = _read(path)
    assert list(files) == ["a.txt", "b_vid.txt"]
    assert files["a.txt"] == "5.0000,6.0000,7.0000,8.0000\n"
    assert files["b_vid.txt"] == "1.0000,2.0000,3.5000,4.0000\n1.2346,-0.5000,10.0000,20.0000\n"


def test_bad_input_keeps_previous_zip(tmp_path):
    path = tmp_path / "sub.zip"
    write_trackingnet_submission({"a": [[1, 2, 3, 4]]}, str(path))
    before = path.read_bytes()
    bad = np.array([[1, 2, 3, 4], [1, np.nan, 3, 4]])
    with pytest.raises(ValueError, match="video 'a', frame 1: non-finite box"):
        write_trackingnet_submission({"a": bad}, str(path))
    with pytest.raises(ValueError, match="video 'a', frame 1: non-finite box"):
        write_got10k_submission({"a": bad}, str(path))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["sub.zip"]


@pytest.mark.parametrize(
    "results, times, message",
    [
        ({"a/b": [[1, 2, 3, 4]]}, None, "video name 'a/b' is not a plain file name"),
        ({"..": [[1, 2, 3, 4]]}, None, "video name '..' is not a plain file name"),
        ({"a": np.zeros((0, 4))}, None, r"video 'a': boxes must have shape \(T, 4\) with T > 0"),
        ({"a": [[1, 2, 3]]}, None, r"video 'a': boxes must have shape \(T, 4\)"),
        ({"a": [[1, 2, 3, 4]]}, {}, r"times lacks videos \['a'\]"),
        ({"a": [[1, 2, 3, 4]]}, {"a": [0.1, 0.2]}, r"video 'a': times must have shape \(1,\)"),
        ({"a": [[1, 2, 3, 4]]}, {"a": [np.inf]}, "video 'a', frame 0: non-finite time"),
        ({}, None, "results is empty"),
    ],
)
def test_got10k_bad_input(tmp_path, results, times, message):
    with pytest.raises(ValueError, match=message):
        write_got10k_submission(results, str(tmp_path / "x.zip"), times=times)
    assert not list(tmp_path.iterdir())


def test_trackingnet_bad_name(tmp_path):
    with pytest.raises(ValueError, match=r"video name 'a\\\\b' is not a plain file name"):
        write_trackingnet_submission({"a\\b": [[1, 2, 3, 4]]}, str(tmp_path / "x.zip"))
    with pytest.raises(ValueError, match="results is empty"):
        write_trackingnet_submission({}, str(tmp_path / "x.zip"))
