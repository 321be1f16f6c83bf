import json

import pytest

from d2track.data.converters import CocoVidWriter
from d2track.data.datasets import load_cocovid_json
from d2track.utils.input_files import InputFileError, read_lines


def test_writer_output_loads_through_the_loader(tmp_path):
    writer = CocoVidWriter([{"id": 1, "name": "pedestrian"}])
    video = writer.add_video("seq-01", fps=30)
    for frame in range(3):
        image = writer.add_image(
            file_name=f"seq-01/{frame:06d}.jpg", height=20, width=30, video_id=video, frame_id=frame
        )
        writer.add_annotation(
            image_id=image,
            category_id=1,
            bbox=[1, 2, 3, 4],
            instance_id=7,
            visibility=0.5,
            ignore=frame == 2,
        )
    summary = writer.write(str(tmp_path / "a.json"))
    assert summary == {"videos": 1, "frames": 3, "instances": 3, "tracks": 1, "ignored": 1}
    data = json.loads((tmp_path / "a.json").read_text())
    assert data["annotations"][0]["area"] == 12.0 and data["images"][2]["frame_id"] == 2
    dicts = load_cocovid_json(str(tmp_path / "a.json"), str(tmp_path))
    assert [d["frame_id"] for d in dicts] == [0, 1, 2]
    assert dicts[2]["annotations"][0]["ignore"] is True


def test_read_lines_names_missing_file(tmp_path):
    with pytest.raises(InputFileError, match="missing file"):
        list(read_lines(str(tmp_path / "nope.txt")))
    (tmp_path / "x.txt").write_text("a\n\n b \n")
    assert list(read_lines(str(tmp_path / "x.txt"))) == [(1, "a"), (3, "b")]
    assert str(InputFileError("f.txt", "bad", line=3)) == "f.txt:3: bad"
