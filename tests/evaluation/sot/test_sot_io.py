import re

import numpy as np
import pytest

from d2track.evaluation.results_io import list_txt_names
from d2track.evaluation.sot.txt_io import read_boxes, read_visibility, read_vot_results
from d2track.utils.input_files import InputFileError


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_read_boxes_separators_and_nan(tmp_path):
    path = _write(tmp_path, "a.txt", "1,2,3,4\n5\t6\t7\t8\n\n9 10 nan 12\n")
    boxes = read_boxes(path)
    assert boxes.shape == (3, 4)
    np.testing.assert_array_equal(boxes[:2], [[1, 2, 3, 4], [5, 6, 7, 8]])
    assert np.isnan(boxes[2, 2])
    poly = read_boxes(_write(tmp_path, "p.txt", "0,0,4,0,4,3,0,3\n"))
    assert poly.shape == (1, 8)
    assert read_boxes(_write(tmp_path, "e.txt", "")).shape == (0, 4)


@pytest.mark.parametrize(
    "text, message",
    [
        ("1,2,3,4\n1,2,x,4\n", ":2: non-numeric value"),
        ("1,2,3\n", ":1: expected 4 (x,y,w,h) or 8 (polygon) values, got 3"),
        ("1,2,3,4\n0,0,4,0,4,3,0,3\n", ":2: 8 values after lines of 4"),
    ],
)
def test_read_boxes_errors_name_file_and_line(tmp_path, text, message):
    path = _write(tmp_path, "bad.txt", text)
    with pytest.raises(InputFileError, match=re.escape(f"bad.txt{message}")):
        read_boxes(path)


def test_read_vot_results_codes(tmp_path):
    frames = read_vot_results(_write(tmp_path, "r.txt", "1\n1,2,3,4\n2\n0\n0,0,4,0,4,3,0,3\n"))
    assert [f.tolist() for f in frames[:4]] == [[1.0], [1, 2, 3, 4], [2.0], [0.0]]
    assert frames[4].shape == (8,)
    with pytest.raises(InputFileError, match=r"r3.txt:2: code 3 is not 1"):
        read_vot_results(_write(tmp_path, "r3.txt", "1\n3\n"))
    with pytest.raises(InputFileError, match=r"r5.txt:1: expected a code, 4 or 8"):
        read_vot_results(_write(tmp_path, "r5.txt", "1,2\n"))


def test_read_visibility_and_listing(tmp_path):
    np.testing.assert_array_equal(
        read_visibility(_write(tmp_path, "v.txt", "1\n0\n1\n")), [1, 0, 1]
    )
    with pytest.raises(InputFileError, match=r"w.txt:2: expected 0 or 1, got '0.5'"):
        read_visibility(_write(tmp_path, "w.txt", "1\n0.5\n"))
    assert list_txt_names(tmp_path) == ["v", "w"]
    with pytest.raises(InputFileError, match="missing folder"):
        list_txt_names(tmp_path / "nope")


def test_non_utf8_result_file_names_file_and_line(tmp_path):
    path = tmp_path / "video.txt"
    path.write_bytes(b"1,2,3,4\n5,6,7,8\n\xe91,2,3,4\n")
    with pytest.raises(ValueError, match=r"video\.txt:3: not UTF-8 text: byte 0xe9"):
        read_boxes(str(path))
