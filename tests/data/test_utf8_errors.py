"""Text and json readers of d2track.data name the file and line of bytes that are not UTF-8."""

import pytest

from d2track.data.converters.mot import read_seqinfo
from d2track.data.converters.youtube_vis import read_official
from d2track.data.datasets.cocovid import CocoVidFormatError, load_cocovid_json
from d2track.data.public_detections import PublicDetections
from d2track.data.reid import load_reid_list
from d2track.utils.input_files import InputFileError, read_lines, read_text

LATIN1 = "caf\xe9".encode("latin-1")  # byte 0xe9 alone is not UTF-8


def _write(path, lines):
    path.write_bytes(b"\n".join(lines) + b"\n")
    return str(path)


def test_read_lines_names_file_line_and_column(tmp_path):
    path = _write(tmp_path / "gt.txt", [b"1,2,3", "\u00e9t\u00e9".encode(), b"x " + LATIN1])
    lines = read_lines(path)
    assert next(lines) == (1, "1,2,3") and next(lines) == (2, "\u00e9t\u00e9")
    with pytest.raises(InputFileError, match=rf"^{path}:3: not UTF-8 text: byte 0xe9 at column 6"):
        next(lines)


def test_read_text_names_the_line(tmp_path):
    path = _write(tmp_path / "a.json", [b"{", b'"a": 1,', b'"b": "' + LATIN1 + b'"}'])
    with pytest.raises(InputFileError, match=rf"^{path}:3: not UTF-8 text: byte 0xe9"):
        read_text(path)


def test_seqinfo_and_youtube_vis_json_name_file_and_line(tmp_path):
    seq = tmp_path / "SEQ"
    (seq / "img1").mkdir(parents=True)
    ini = _write(seq / "seqinfo.ini", [b"[Sequence]", b"name=" + LATIN1, b"seqLength=3"])
    with pytest.raises(InputFileError, match=rf"^{ini}:2: not UTF-8"):
        read_seqinfo(str(seq))
    official = _write(tmp_path / "train.json", [b'{"videos": [],', b'"x": "' + LATIN1 + b'"}'])
    with pytest.raises(InputFileError, match=rf"^{official}:2: not UTF-8"):
        read_official(official, "2019")


def test_cocovid_json_names_file_and_line(tmp_path):
    path = _write(tmp_path / "ann.json", [b'{"images": [],', b'"categories": ["' + LATIN1 + b'"]}'])
    with pytest.raises(CocoVidFormatError, match=rf"^{path}:2: not UTF-8 text: byte 0xe9"):
        load_cocovid_json(path, str(tmp_path))


def test_public_detections_and_reid_list_name_file_and_line(tmp_path):
    dets = _write(tmp_path / "dets.json", [b'{"SEQ-' + LATIN1 + b'": {}}'])
    with pytest.raises(ValueError, match=rf"^{dets}:1: not UTF-8 text: byte 0xe9 at column 10"):
        PublicDetections(dets)("SEQ", 0)
    reid = _write(tmp_path / "list.txt", [b"imgs/a/0.jpg 0", b"imgs/" + LATIN1 + b"/0.jpg 1"])
    with pytest.raises(ValueError, match=rf"^{reid}:2: not UTF-8 text: byte 0xe9 at column 9"):
        load_reid_list(reid, str(tmp_path))
