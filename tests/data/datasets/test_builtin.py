import builtins
import io
import json
import os

import pytest
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.utils.file_io import PathManager

from d2track.data.datasets import builtin
from d2track.data.datasets.builtin_meta import MOTCHALLENGE_CLASSES, get_builtin_metadata

VID_CLASSES = (
    "airplane antelope bear bicycle bird bus car cattle dog domestic_cat elephant fox giant_panda "
    "hamster horse lion lizard monkey motorcycle rabbit red_panda sheep snake squirrel tiger "
    "train turtle watercraft whale zebra"
).split()

MOT_SPLITS = [
    f"mot{n}_{s}" for n in (15, 16, 17, 20) for s in ("train", "test", "half_train", "half_val")
]
EXPECTED = {  # name: number of classes
    "imagenet_vid_train": 30,
    "imagenet_vid_val": 30,
    "imagenet_det_train": 31,
    "imagenet_det_train_30cls": 30,
    **{name: 1 for name in MOT_SPLITS},
    "crowdhuman_train": 1,
    "crowdhuman_val": 1,
    "lasot_train": 1,
    "lasot_test": 1,
    "uav123_test": 1,
    "trackingnet_train": 1,
    "trackingnet_test": 1,
    "otb100_test": 1,
    "got10k_train": 1,
    "got10k_val": 1,
    "got10k_test": 1,
    "vot2018_test": 1,
    **{f"ytvis_{y}_{s}": 40 for y in (2019, 2021) for s in ("train", "valid", "test")},
}


def test_every_benchmark_split_is_registered_with_classes():
    assert sorted(builtin.BENCHMARK_SPLITS) == sorted(EXPECTED)
    for name, num_classes in EXPECTED.items():
        assert name in DatasetCatalog.list(), name
        meta = MetadataCatalog.get(name)
        assert len(meta.thing_classes) == num_classes, name
        assert len(meta.thing_dataset_id_to_contiguous_id) == num_classes, name


def test_class_lists_and_ids():
    vid = MetadataCatalog.get("imagenet_vid_val")
    assert vid.thing_classes == VID_CLASSES
    assert vid.thing_dataset_id_to_contiguous_id == {k + 1: k for k in range(30)}
    assert vid.thing_wnids[0] == "n02691156" and vid.thing_wnids[-1] == "n02391049"
    assert vid.thing_wnids[9] == "n02121808" and len(set(vid.thing_wnids)) == 30  # domestic_cat
    det = MetadataCatalog.get("imagenet_det_train")
    assert det.thing_classes == VID_CLASSES + ["other_categories"]
    assert det.thing_dataset_id_to_contiguous_id[31] == 30
    assert MetadataCatalog.get("mot17_half_val").thing_classes == ["pedestrian"]
    assert MetadataCatalog.get("mot17_half_val").thing_dataset_id_to_contiguous_id == {1: 0}
    assert MetadataCatalog.get("crowdhuman_val").thing_classes == ["person"]
    assert MetadataCatalog.get("lasot_test").thing_dataset_id_to_contiguous_id == {0: 0}
    assert len(MOTCHALLENGE_CLASSES) == 13
    names = [MOTCHALLENGE_CLASSES[i] for i in (1, 7, 8, 12, 13)]
    assert names == ["pedestrian", "static_person", "distractor", "reflection", "crowd"]


def test_youtube_vis_orders():
    y19 = MetadataCatalog.get("ytvis_2019_train").thing_classes
    y21 = MetadataCatalog.get("ytvis_2021_valid").thing_classes
    assert y19[:6] == ["person", "giant_panda", "lizard", "parrot", "skateboard", "sedan"]
    assert y19[-3:] == ["eagle", "earless_seal", "tennis_racket"] and len(set(y19)) == 40
    assert y21[:5] == ["airplane", "bear", "bird", "boat", "car"] and y21 == sorted(y21)
    assert y21[13] == "flying_disc" and y21[-1] == "zebra" and len(set(y21)) == 40
    assert get_builtin_metadata("ytvis_2019")["thing_dataset_id_to_contiguous_id"][40] == 39


@pytest.fixture
def _unregistered_benchmarks():
    for name in builtin.BENCHMARK_SPLITS:
        DatasetCatalog.remove(name)
        MetadataCatalog.remove(name)
    try:
        yield
    finally:
        builtin.register_all_benchmarks()  # leave the catalogs as import made them


def test_registering_reads_no_file(monkeypatch, _unregistered_benchmarks):
    def refuse(*args, **kwargs):
        raise AssertionError(f"registration touched the file system: {args}")

    for obj, attr in [(builtins, "open"), (io, "open"), (os, "listdir"), (os, "scandir")]:
        monkeypatch.setattr(obj, attr, refuse)
    for attr in ("exists", "isfile", "isdir", "getsize"):
        monkeypatch.setattr(os.path, attr, refuse)
    for attr in ("open", "exists", "isfile", "ls", "get_local_path"):
        monkeypatch.setattr(PathManager, attr, refuse)
    builtin.register_all_benchmarks()
    builtin.register_all_benchmarks()  # idempotent
    monkeypatch.undo()
    assert all(name in DatasetCatalog.list() for name in EXPECTED)


def test_missing_json_is_reported_when_loading_under_current_root(tmp_path, monkeypatch):
    monkeypatch.setenv("DETECTRON2_DATASETS", str(tmp_path / "elsewhere"))  # after registration
    with pytest.raises(FileNotFoundError) as info:
        DatasetCatalog.get("mot17_half_val")
    message = str(info.value)
    assert str(tmp_path / "elsewhere" / "MOT17/annotations/half-val_cocoformat.json") in message
    assert "datasets/prepare_mot.py" in message and "datasets/README.md" in message
    with pytest.raises(FileNotFoundError, match="youtube_vis_2021_valid.json"):
        DatasetCatalog.get("ytvis_2021_valid")


def _mot_json():
    categories = [{"id": i, "name": n} for i, n in MOTCHALLENGE_CLASSES.items()]
    images = [
        dict(id=i + 1, video_id=1, frame_id=i, mot_frame_id=i + 301, height=1080, width=1920)
        | dict(file_name=f"MOT17-02-FRCNN/img1/{i + 301:06d}.jpg")
        for i in range(2)
    ]
    boxes = [(1, 1, 0, 1.0), (2, 1, 1, 0.0), (3, 2, 0, 1.0)]  # (ann id, image id, instance, conf)
    annotations = [
        dict(id=a, image_id=im, instance_id=ins, mot_conf=conf, category_id=1 if conf else 3)
        | dict(
            bbox=[10.0, 20.0, 30.0, 60.0], visibility=0.75, mot_instance_id=ins + 5, mot_class_id=7
        )
        for a, im, ins, conf in boxes
    ]
    videos = [dict(id=1, name="MOT17-02-FRCNN")]
    return dict(categories=categories, videos=videos, images=images, annotations=annotations)


def test_mot_split_keeps_pedestrians_and_mot_fields(tmp_path):
    split = builtin.BENCHMARK_SPLITS["mot17_half_val"]
    json_file = tmp_path / split.json_file
    json_file.parent.mkdir(parents=True)
    json_file.write_text(json.dumps(_mot_json()))
    name = "test_builtin_mot17_half_val"
    builtin.register_benchmark(name, split, root=str(tmp_path))
    try:
        dicts = DatasetCatalog.get(name)
        meta = MetadataCatalog.get(name)
    finally:
        DatasetCatalog.remove(name)
        MetadataCatalog.remove(name)
    assert dicts[0]["file_name"] == str(tmp_path / "MOT17/train/MOT17-02-FRCNN/img1/000301.jpg")
    assert [d["mot_frame_id"] for d in dicts] == [301, 302]
    assert [d["video_name"] for d in dicts] == ["MOT17-02-FRCNN"] * 2
    assert [len(d["annotations"]) for d in dicts] == [1, 1]  # the car (class 3) is dropped
    ann = dicts[0]["annotations"][0]
    assert (ann["category_id"], ann["instance_id"], ann["mot_instance_id"]) == (0, 0, 5)
    assert (ann["mot_conf"], ann["visibility"], ann["mot_class_id"]) == (1.0, 0.75, 7)
    assert meta.json_file == str(json_file)
