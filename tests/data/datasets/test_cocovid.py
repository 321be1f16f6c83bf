import copy
import json
import logging

import pycocotools.mask as mask_util
import pytest
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.structures import BoxMode

from d2track.data.datasets.cocovid import (
    CocoVidFormatError,
    build_video_index,
    load_cocovid_json,
    register_cocovid_instances,
)


def _image(image_id, video_id, frame_id, **extra):
    image = dict(id=image_id, file_name=f"v{video_id}/{frame_id}.jpg", height=40, width=60)
    if video_id is not None:
        image.update(video_id=video_id, frame_id=frame_id)
    return dict(image, **extra)


def _ann(ann_id, image_id, category_id, instance_id, bbox, **extra):
    ann = dict(id=ann_id, image_id=image_id, category_id=category_id, bbox=bbox)
    if instance_id is not None:
        ann["instance_id"] = instance_id
    return dict(ann, **extra)


RLE = {"size": [40, 60], "counts": [5, 3, 2392]}  # uncompressed: 3 pixels on

VIDEOS = {
    "categories": [{"id": 1, "name": "car"}, {"id": 3, "name": "person"}],
    "videos": [{"id": 10, "name": "a"}, {"id": 20, "name": "b", "length": 2}],
    "images": [  # out of order on purpose
        _image(102, 10, 2),
        _image(100, 10, 0, is_vid_train_frame=False),
        _image(101, 10, 1),
        _image(200, 20, 0),
        _image(201, 20, 1),
    ],
    "annotations": [
        _ann(1, 100, 3, 7, [1, 2, 3, 4], iscrowd=False, visibility=0.5),
        _ann(2, 101, 3, 7, [2, 2, 3, 4]),
        _ann(3, 101, 1, 8, [10, 10, 5, 5], segmentation=[[10, 10, 15, 10, 15, 15]]),
        _ann(4, 102, 1, 8, [11, 10, 5, 5], ignore=True),
        _ann(5, 201, 3, 9, [0, 0, 1, 1], segmentation=RLE),
    ],
}

IMAGES = {
    "categories": [{"id": 5, "name": "person"}],
    "images": [_image(3, None, None), _image(1, None, None)],
    "annotations": [
        _ann(10, 3, 5, None, [0, 0, 2, 2]),
        _ann(11, 3, 5, None, [1, 1, 2, 2], iscrowd=1),
        _ann(12, 1, 5, 4, [2, 2, 2, 2]),
    ],
}


def _write(tmp_path, data, name="ann.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


@pytest.fixture
def dataset_name():
    name = "test_cocovid_tmp"
    yield name
    for catalog in (DatasetCatalog, MetadataCatalog):
        if name in catalog.list():
            catalog.remove(name)


def test_video_json_gives_one_sorted_dict_per_frame(tmp_path):
    dicts = load_cocovid_json(_write(tmp_path, VIDEOS), str(tmp_path / "img"))
    frames = [(10, 0), (10, 1), (10, 2), (20, 0), (20, 1)]
    assert [(d["video_id"], d["frame_id"]) for d in dicts] == frames
    assert [d["image_id"] for d in dicts] == [100, 101, 102, 200, 201]
    assert [d["video_length"] for d in dicts] == [3, 3, 3, 2, 2]
    assert [d["is_vid_train_frame"] for d in dicts] == [False, True, True, True, True]
    assert dicts[2]["file_name"] == str(tmp_path / "img" / "v10" / "2.jpg")
    assert (dicts[2]["height"], dicts[2]["width"]) == (40, 60)
    assert dicts[0]["annotations"] == [
        dict(bbox=[1.0, 2.0, 3.0, 4.0], bbox_mode=BoxMode.XYWH_ABS, category_id=1, iscrowd=0)
        | dict(instance_id=7, visibility=0.5)
    ]
    assert [a["category_id"] for a in dicts[1]["annotations"]] == [1, 0]  # 3 -> 1, 1 -> 0
    assert dicts[1]["annotations"][1]["segmentation"] == [[10, 10, 15, 10, 15, 15]]
    assert dicts[2]["annotations"][0]["ignore"] is True
    rle = dicts[4]["annotations"][0]["segmentation"]
    assert isinstance(rle["counts"], bytes) and mask_util.area(rle) == 3
    assert dicts[3]["annotations"] == []


def test_loading_logs_a_one_line_summary(tmp_path, caplog):
    path = _write(tmp_path, VIDEOS)
    with caplog.at_level(logging.INFO, logger="d2track.data.datasets.cocovid"):
        load_cocovid_json(path, str(tmp_path))
    assert f"Loaded 2 videos, 5 frames, 5 instances in 3 tracks from {path}" in caplog.text


def test_video_index_lists_frames_and_tracks(tmp_path):
    dicts = load_cocovid_json(_write(tmp_path, VIDEOS), str(tmp_path))
    index = build_video_index(dicts)
    assert len(index) == 2 and index.video_ids == [10, 20]
    assert index.videos == [[0, 1, 2], [3, 4]]
    assert index.video_of == [0, 0, 0, 1, 1]
    assert index.tracks == [{7: [(0, 0), (1, 0)], 8: [(1, 1), (2, 0)]}, {9: [(1, 0)]}]
    # concatenated datasets whose video ids collide still give separate videos
    twice = build_video_index(dicts + dicts)
    assert twice.video_ids == [10, 20, 10, 20] and twice.videos[2] == [5, 6, 7]


def test_image_json_gives_one_frame_videos_with_unique_instance_ids(tmp_path, dataset_name):
    dicts = load_cocovid_json(_write(tmp_path, IMAGES), str(tmp_path), dataset_name)
    assert [d["image_id"] for d in dicts] == [1, 3]
    assert [(d["video_id"], d["frame_id"], d["video_length"]) for d in dicts] == [
        (1, 0, 1),
        (2, 0, 1),
    ]
    assert [a["instance_id"] for d in dicts for a in d["annotations"]] == [4, 5, 6]
    assert [a["iscrowd"] for a in dicts[1]["annotations"]] == [0, 1]
    meta = MetadataCatalog.get(dataset_name)
    assert meta.thing_classes == ["person"]
    assert meta.thing_dataset_id_to_contiguous_id == {5: 0}


def test_vot_quadrilateral_keeps_corners_and_enclosing_box(tmp_path):
    data = copy.deepcopy(VIDEOS)
    data["annotations"] = [_ann(1, 100, 1, 0, [1, 2, 5, 1, 6, 4, 2, 5])]
    ann = load_cocovid_json(_write(tmp_path, data), str(tmp_path))[0]["annotations"][0]
    assert ann["quad"] == [1.0, 2.0, 5.0, 1.0, 6.0, 4.0, 2.0, 5.0]
    assert ann["bbox"] == [1.0, 1.0, 5.0, 4.0]


def test_invalid_polygons_are_dropped_like_detectron2(tmp_path):
    data = copy.deepcopy(VIDEOS)
    data["annotations"][2]["segmentation"] = [[1, 2, 3, 4]]  # 2 points
    dicts = load_cocovid_json(_write(tmp_path, data), str(tmp_path))
    assert [a["instance_id"] for a in dicts[1]["annotations"]] == [7]


def _broken(tmp_path, edit):
    data = copy.deepcopy(VIDEOS)
    edit(data)
    path = _write(tmp_path, data, "broken.json")
    with pytest.raises(CocoVidFormatError) as info:
        load_cocovid_json(path, str(tmp_path))
    message = str(info.value)
    assert message.startswith(path + ": ")
    return message


MALFORMED = {
    "missing_top_level_key": (
        lambda d: d.pop("images"),
        "<top level>: images: missing key",
    ),
    "missing_record_key": (
        lambda d: d["images"][1].pop("file_name"),
        "images[1] (id=100): file_name: missing key",
    ),
    "one_based_frames": (
        lambda d: [im.update(frame_id=im["frame_id"] + 1) for im in d["images"][:3]],
        "videos[0] (id=10): frame_id: frame ids must be 0..2 (0-based, contiguous); got 1..3",
    ),
    "frame_gap": (
        lambda d: d["images"][0].update(frame_id=3),
        "videos[0] (id=10): frame_id: frame ids must be 0..2 (0-based, contiguous); got 0..1, 3",
    ),
    "repeated_frame": (
        lambda d: d["images"][0].update(frame_id=1),
        "images[2] (id=101): frame_id: 1 repeats images[0]",
    ),
    "annotation_to_missing_image": (
        lambda d: d["annotations"][0].update(image_id=999),
        "annotations[0] (id=1): image_id: 999 is not in images",
    ),
    "negative_bbox": (
        lambda d: d["annotations"][1].update(bbox=[2, 2, -3, 4]),
        "annotations[1] (id=2): bbox: width -3 < 0",
    ),
    "unknown_category": (
        lambda d: d["annotations"][4].update(category_id=42),
        "annotations[4] (id=5): category_id: 42 is not in categories",
    ),
    "duplicate_id": (
        lambda d: d["images"][4].update(id=200),
        "images[4] (id=200): id: duplicate of images[3]",
    ),
    "unknown_video": (
        lambda d: d["images"][3].update(video_id=99),
        "images[3] (id=200): video_id: 99 is not in videos",
    ),
    "missing_instance_id": (
        lambda d: d["annotations"][2].pop("instance_id"),
        "annotations[2] (id=3): instance_id: missing key (required in videos)",
    ),
    "instance_twice_in_a_frame": (
        lambda d: d["annotations"][2].update(instance_id=7),
        "annotations[2] (id=3): instance_id: 7 twice in image 101",
    ),
    "video_length": (
        lambda d: d["videos"][1].update(length=3),
        "videos[1] (id=20): length: 3 but 2 images in this video",
    ),
    "rle_size": (
        lambda d: d["annotations"][4]["segmentation"].update(size=[30, 60]),
        "annotations[4] (id=5): segmentation: RLE size [30, 60] != image size [40, 60]",
    ),
    "non_integer_id": (
        lambda d: d["videos"][1].update(id="b"),
        "videos[1] (id=b): id: is not an integer",
    ),
    "bbox_length": (
        lambda d: d["annotations"][0].update(bbox=[1, 2, 3]),
        "annotations[0] (id=1): bbox: [1, 2, 3] is not [x, y, w, h] (or 8 quad corners)",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_json_names_file_record_and_field(tmp_path, case):
    edit, expected = MALFORMED[case]
    assert expected in _broken(tmp_path, edit)


def test_several_problems_are_reported_at_once(tmp_path):
    def edit(data):
        data["annotations"][0]["bbox"] = [0, 0, 1, -2]
        data["annotations"][3]["image_id"] = 5

    message = _broken(tmp_path, edit)
    assert "2 problem(s)" in message
    assert "annotations[0] (id=1): bbox: height -2 < 0" in message
    assert "annotations[3] (id=4): image_id: 5 is not in images" in message


def test_unreadable_or_missing_json(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(CocoVidFormatError, match="bad.json: not valid json"):
        load_cocovid_json(str(bad), str(tmp_path))
    with pytest.raises(FileNotFoundError, match="nothing.json"):
        load_cocovid_json(str(tmp_path / "nothing.json"), str(tmp_path))


def test_register_is_lazy_idempotent_and_sets_metadata(tmp_path, dataset_name):
    json_file = str(tmp_path / "later.json")
    register_cocovid_instances(dataset_name, {}, json_file, str(tmp_path))  # file not there yet
    register_cocovid_instances(dataset_name, {}, json_file, str(tmp_path))
    assert DatasetCatalog.list().count(dataset_name) == 1
    with pytest.raises(ValueError, match="already registered"):
        register_cocovid_instances(dataset_name, {}, str(tmp_path / "other.json"), str(tmp_path))
    _write(tmp_path, VIDEOS, "later.json")
    assert len(DatasetCatalog.get(dataset_name)) == 5
    meta = MetadataCatalog.get(dataset_name)
    assert (meta.json_file, meta.image_root) == (json_file, str(tmp_path))
    assert meta.thing_classes == ["car", "person"]
    assert meta.thing_dataset_id_to_contiguous_id == {1: 0, 3: 1}


def test_metadata_classes_select_json_categories(tmp_path, dataset_name):
    json_file = _write(tmp_path, VIDEOS)
    meta = {"thing_classes": ["person"]}
    register_cocovid_instances(dataset_name, meta, json_file, str(tmp_path))
    dicts = DatasetCatalog.get(dataset_name)
    instances = [[a["instance_id"] for a in d["annotations"]] for d in dicts]
    assert instances == [[7], [7], [], [], [9]]
    assert {a["category_id"] for d in dicts for a in d["annotations"]} == {0}
    meta = MetadataCatalog.get(dataset_name)
    assert meta.thing_dataset_id_to_contiguous_id == {3: 0}


def test_metadata_category_missing_from_json_is_an_error(tmp_path, dataset_name):
    meta = {"thing_classes": ["object"], "thing_dataset_id_to_contiguous_id": {0: 0}}
    register_cocovid_instances(dataset_name, meta, _write(tmp_path, VIDEOS), str(tmp_path))
    with pytest.raises(CocoVidFormatError, match=r"ann.json: categories: id\(s\) \[0\]"):
        DatasetCatalog.get(dataset_name)


def test_image_without_video_id_in_a_video_json_is_an_error_naming_it(tmp_path):
    def edit(data):
        del data["images"][2]["video_id"], data["images"][2]["frame_id"]

    message = _broken(tmp_path, edit)
    assert "images[2] (id=101): video_id: missing key (file_name 'v10/1.jpg'" in message


def test_video_json_whose_images_all_lack_video_id_is_an_error(tmp_path):
    def edit(data):
        for image in data["images"]:
            del image["video_id"], image["frame_id"]
        for ann in data["annotations"]:
            del ann["instance_id"]

    message = _broken(tmp_path, edit)
    assert (
        "<top level>: video_id: none of the 5 images has one, but the json has 2 videos" in message
    )
    # an image set (empty or no videos list) still loads as one-frame videos
    data = copy.deepcopy(IMAGES)
    data["videos"] = []
    assert len(load_cocovid_json(_write(tmp_path, data), str(tmp_path))) == 2


def test_track_changing_category_is_a_warning_naming_video_and_instance(tmp_path, caplog):
    data = copy.deepcopy(VIDEOS)
    data["annotations"][1]["category_id"] = 1  # instance 7: person in image 100, car in 101
    path = _write(tmp_path, data)
    with caplog.at_level(logging.WARNING, logger="d2track.data.datasets.cocovid_checks"):
        dicts = load_cocovid_json(path, str(tmp_path))
    assert len(dicts) == 5
    assert f"{path}: 1 track(s) change category" in caplog.text
    assert "video 10 (a): instance_id 7: category_id 3 (image 100) -> 1 (image 101)" in caplog.text
