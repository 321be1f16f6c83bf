"""OTB100 / VOT2018 downloaders on fabricated zips served through ``file://`` URLs (no network)."""

import importlib.util
import json
import os
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from d2track.data.converters.download import download, extract_zip
from d2track.data.converters.sot_download import (
    OTB100_SEQUENCES,
    download_otb100,
    download_vot2018,
    read_vot_description,
)
from d2track.utils.input_files import InputFileError

DATASETS = Path(__file__).resolve().parents[2] / "datasets"


def _main(name):
    spec = importlib.util.spec_from_file_location(name, DATASETS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def _jpeg(height=4, width=6):
    return cv2.imencode(".jpg", np.zeros((height, width, 3), np.uint8))[1].tobytes()


def _zip(path, members):
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_download_is_atomic_skips_existing_and_names_failing_url(tmp_path):
    source = tmp_path / "server" / "a.bin"
    source.parent.mkdir()
    source.write_bytes(b"x" * 10)
    dest = tmp_path / "dl" / "a.bin"
    assert download(source.as_uri(), str(dest), size=10) == str(dest)
    assert dest.read_bytes() == b"x" * 10
    source.write_bytes(b"y" * 10)  # a second download is skipped: the file is complete
    download(source.as_uri(), str(dest), size=10)
    download(source.as_uri(), str(dest))
    assert dest.read_bytes() == b"x" * 10
    with pytest.raises(RuntimeError, match="file:///nonexistent/x.zip"):
        download("file:///nonexistent/x.zip", str(tmp_path / "dl" / "x.zip"))
    with pytest.raises(RuntimeError, match="got 10 bytes, expected 11"):
        download(source.as_uri(), str(tmp_path / "dl" / "b.bin"), size=11)
    assert sorted(p.name for p in (tmp_path / "dl").iterdir()) == ["a.bin"]  # no partial file


def test_extract_zip_refuses_path_traversal(tmp_path):
    bad = _zip(tmp_path / "bad.zip", {"ok.txt": "1", "../evil.txt": "2"})
    with pytest.raises(RuntimeError, match=r"unsafe member path '\.\./evil\.txt'"):
        extract_zip(str(bad), str(tmp_path / "out"))
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "out" / "ok.txt").exists()
    good = _zip(tmp_path / "good.zip", {"d/ok.txt": "1", "__MACOSX/d/._ok.txt": "junk"})
    assert extract_zip(str(good), str(tmp_path / "out")) == ["d/ok.txt"]
    assert not (tmp_path / "out" / "__MACOSX").exists()


def _otb_server(server):
    img = {f"Basketball/img/000{k}.jpg": _jpeg() for k in (1, 2)}
    _zip(server / "Basketball.zip", img | {"Basketball/groundtruth_rect.txt": "1,2,3,4\n2,2,3,4\n"})
    gts = {f"Jogging/groundtruth_rect.{k}.txt": f"{k},{k},1,1\n" for k in (1, 2)}
    _zip(server / "Jogging.zip", {"Jogging/img/0001.jpg": _jpeg()} | gts)


def test_otb100_download_then_convert(tmp_path):
    assert len(OTB100_SEQUENCES) == 98 and {"Jogging", "Skating2", "Human4"} <= set(
        OTB100_SEQUENCES
    )
    server, data, out = tmp_path / "server", tmp_path / "data", tmp_path / "out"
    _otb_server(server)
    download_otb100(str(data), server.as_uri(), sequences=("Basketball", "Jogging"))
    assert sorted(p.name for p in (data / ".download").iterdir()) == [
        "Basketball.done",
        "Jogging.done",
    ]
    (server / "Basketball.zip").unlink()  # a second download skips finished sequences
    download_otb100(str(data), server.as_uri() + "/", sequences=("Basketball", "Jogging"))
    summary = _main("prepare_otb100")(["--input", str(data), "--output-root", str(out)])
    assert summary == {"videos": 3, "frames": 4, "instances": 4, "tracks": 3, "ignored": 0}
    result = json.loads((out / "otb100/annotations/otb100_test.json").read_text())
    assert [v["name"] for v in result["videos"]] == ["Basketball", "Jogging-1", "Jogging-2"]
    assert [a["bbox"] for a in result["annotations"]] == [
        [1.0, 2.0, 3.0, 4.0],
        [2.0, 2.0, 3.0, 4.0],
        [1.0, 1.0, 1.0, 1.0],
        [2.0, 2.0, 1.0, 1.0],
    ]


def test_bad_archive_is_not_kept(tmp_path):
    (tmp_path / "server").mkdir()
    (tmp_path / "server" / "Basketball.zip").write_text("<html>not found</html>")
    with pytest.raises(RuntimeError, match="Basketball.zip: not a valid zip"):
        download_otb100(str(tmp_path / "data"), (tmp_path / "server").as_uri(), ["Basketball"])
    assert list((tmp_path / "data" / ".download").iterdir()) == []


def test_otb100_script_download_error_names_url(tmp_path):
    args = ["--input", str(tmp_path / "data"), "--output-root", str(tmp_path / "out")]
    base = (tmp_path / "missing").as_uri()
    with pytest.raises(SystemExit, match=f"error: cannot download {base}/Basketball.zip"):
        _main("prepare_otb100")(args + ["--download", "--base-url", base])
    assert not (tmp_path / "data" / ".download" / "Basketball.zip").exists()


def _vot_server(server):
    sequences = []
    for name, boxes in [("ants1", ["0,0,4,0,4,2,0,2", "1,1,3,2"]), ("bag", ["1,1,2,3"])]:
        annotations = {"groundtruth.txt": "".join(f"{b}\n" for b in boxes), "occlusion.tag": "1\n"}
        _zip(server / "seq" / f"{name}-anno.zip", annotations)
        frames = {f"{k:08d}.jpg": _jpeg(8, 9) for k in range(1, len(boxes) + 1)}
        _zip(server / "seq" / f"{name}-color.zip", frames)
        color = {"url": f"../seq/{name}-color.zip", "pattern": "%08d.jpg"}
        entry = {"name": name, "fps": 30, "annotations": {"url": f"../seq/{name}-anno.zip"}}
        sequences.append(entry | {"channels": {"color": color}})
    (server / "main").mkdir()
    description = {"name": "VOT2018", "sequences": sequences}
    (server / "main" / "description.json").write_text(json.dumps(description))


def test_vot2018_script_download_then_convert(tmp_path):
    server, data, out = tmp_path / "server", tmp_path / "data", tmp_path / "out"
    _vot_server(server)
    args = ["--input", str(data), "--output-root", str(out), "--download"]
    summary = _main("prepare_vot2018")(args + ["--base-url", (server / "main").as_uri()])
    assert summary == {"videos": 2, "frames": 3, "instances": 3, "tracks": 2, "ignored": 0}
    assert (data / "list.txt").read_text() == "ants1\nbag\n"
    assert (data / "ants1" / "color" / "00000002.jpg").is_file()
    path = out / "vot2018/annotations/vot2018_test.json"
    result = json.loads(path.read_text())
    assert [i["file_name"] for i in result["images"]] == [
        "ants1/color/00000001.jpg",
        "ants1/color/00000002.jpg",
        "bag/color/00000001.jpg",
    ]
    assert [a["bbox"] for a in result["annotations"]] == [
        [0.0, 0.0, 4.0, 0.0, 4.0, 2.0, 0.0, 2.0],
        [1.0, 1.0, 4.0, 1.0, 4.0, 3.0, 1.0, 3.0],
        [1.0, 1.0, 3.0, 1.0, 3.0, 4.0, 1.0, 4.0],
    ]
    assert [a["occlusion"] for a in result["annotations"]] == [1, 0, 1]
    first = path.read_bytes()
    for archive in (server / "seq").iterdir():  # the second run downloads nothing
        archive.unlink()
    download_vot2018(str(data), (server / "main").as_uri())
    _main("prepare_vot2018")(args + ["--base-url", (server / "main").as_uri()])
    assert path.read_bytes() == first


def test_vot_description_malformed(tmp_path):
    path = tmp_path / "description.json"
    path.write_text(json.dumps({"sequences": [{"name": "a", "annotations": {"url": "a.zip"}}]}))
    with pytest.raises(InputFileError, match=f"{path}: sequence 0 lacks"):
        read_vot_description(str(path))
    entry = {"name": "../a", "annotations": {"url": "a"}, "channels": {"color": {"url": "c"}}}
    path.write_text(json.dumps({"sequences": [entry]}))
    with pytest.raises(InputFileError, match="unsafe name '../a'"):
        read_vot_description(str(path))
    path.write_text("{not json")
    with pytest.raises(InputFileError, match=f"{path}: not a VOT description"):
        read_vot_description(str(path))


def test_downloaded_file_gets_the_usual_mode(tmp_path):
    source = tmp_path / "a.bin"
    source.write_bytes(b"x")
    old = os.umask(0o022)
    try:
        download(source.as_uri(), str(tmp_path / "dl" / "a.bin"))
    finally:
        os.umask(old)
    assert (tmp_path / "dl" / "a.bin").stat().st_mode & 0o777 == 0o644  # mkstemp's is 0o600
