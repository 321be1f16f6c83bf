import json
import os
from collections import defaultdict

import cv2
import numpy as np
import pycocotools.mask as mask_util
import pytest

from d2track.data.datasets import synthetic
from d2track.data.datasets import synthetic_motion as motion
from d2track.data.datasets import synthetic_render as render
from d2track.data.datasets import synthetic_scene as scenes
from d2track.data.datasets.synthetic import (
    SYNTHETIC_TASKS,
    SyntheticVideoParams,
    ensure_synthetic_videos,
    main,
    params_hash,
    synthetic_classes,
    synthetic_params,
    write_synthetic_videos,
)

TINY = dict(num_videos=2, num_frames=5, height=64, width=64)


def _generate(folder, task, split="train", **overrides):
    params = synthetic_params(task, split, **{**TINY, **overrides})
    json_file, image_root = write_synthetic_videos(params, str(folder))
    with open(json_file, "rb") as f:
        raw = f.read()
    return json.loads(raw), raw, image_root


def _frames(data, image_root):
    return [cv2.imread(os.path.join(image_root, im["file_name"])) for im in data["images"]]


def _tracks(data):
    """instance_id -> list of annotations in frame order."""
    frame_of = {im["id"]: im["frame_id"] for im in data["images"]}
    tracks = defaultdict(list)
    for ann in sorted(data["annotations"], key=lambda a: frame_of[a["image_id"]]):
        tracks[ann["instance_id"]].append(dict(ann, frame_id=frame_of[ann["image_id"]]))
    return tracks


def _check_images(data, image_root, params):
    assert [v["id"] for v in data["videos"]] == list(range(1, params.num_videos + 1))
    assert len({im["id"] for im in data["images"]}) == len(data["images"])
    for video in data["videos"]:
        assert (video["width"], video["height"]) == (params.width, params.height)
        frames = [im for im in data["images"] if im["video_id"] == video["id"]]
        assert [im["frame_id"] for im in frames] == list(range(params.num_frames))
        assert frames[0]["file_name"] == f"{video['name']}/000000.jpg"
    for image, frame in zip(data["images"], _frames(data, image_root)):
        assert (
            frame.shape == (image["height"], image["width"], 3) == (params.height, params.width, 3)
        )


def _check_annotation(ann, image):
    assert ann["video_id"] == image["video_id"] and ann["iscrowd"] == 0
    x, y, w, h = ann["bbox"]
    assert 0 <= x and 0 <= y and w >= 3 and h >= 3
    assert x + w <= image["width"] and y + h <= image["height"]
    assert 0 < ann["visibility"] <= 1
    rle = ann["segmentation"]
    assert isinstance(rle["counts"], str) and rle["size"] == [image["height"], image["width"]]
    rle = dict(rle, counts=rle["counts"].encode())
    assert mask_util.decode(rle).shape == (image["height"], image["width"])
    assert mask_util.decode(rle).sum() == mask_util.area(rle) == ann["area"] >= 10
    assert mask_util.toBbox(rle).tolist() == ann["bbox"]


@pytest.mark.parametrize("task", list(SYNTHETIC_TASKS))
def test_cocovid_json_is_valid_and_consistent(tmp_path, task):
    data, _, image_root = _generate(tmp_path, task)
    params = SyntheticVideoParams(**data["info"]["params"])
    assert params == synthetic_params(task, "train", **TINY)
    _check_images(data, image_root, params)
    names = synthetic_classes(task)
    assert data["categories"] == [{"id": i + 1, "name": n} for i, n in enumerate(names)]
    images = {im["id"]: im for im in data["images"]}
    assert [a["id"] for a in data["annotations"]] == list(range(1, len(data["annotations"]) + 1))
    for ann in data["annotations"]:
        _check_annotation(ann, images[ann["image_id"]])
    for track in _tracks(data).values():  # one object: one video, one class, once per frame
        assert len({(a["video_id"], a["category_id"]) for a in track}) == 1
        assert len({a["frame_id"] for a in track}) == len(track)
    assert len(data["annotations"]) > 0


def test_task_properties(tmp_path):
    sot, _, _ = _generate(tmp_path / "sot", "sot", num_videos=6)
    for video in sot["videos"]:
        anns = [a for a in sot["annotations"] if a["video_id"] == video["id"]]
        first = next(im for im in sot["images"] if im["video_id"] == video["id"])
        assert len({a["instance_id"] for a in anns}) == 1  # one target per video
        assert any(a["image_id"] == first["id"] for a in anns)  # visible in the first frame
    mot, _, _ = _generate(tmp_path / "mot", "mot", height=128, width=128)
    assert [c["name"] for c in mot["categories"]] == ["pedestrian"]
    assert len(_tracks(mot)) >= 2 * 5
    assert min(a["visibility"] for a in mot["annotations"]) < 1  # pedestrians occlude each other
    vis, _, _ = _generate(tmp_path / "vis", "vis", num_videos=4)
    fill = [a["area"] / (a["bbox"][2] * a["bbox"][3]) for a in vis["annotations"]]
    assert all(a["segmentation"]["counts"] for a in vis["annotations"])
    assert np.mean(fill) < 0.85  # masks are shapes, not boxes
    vid, _, _ = _generate(tmp_path / "vid", "vid", num_videos=8)
    assert len({a["category_id"] for a in vid["annotations"]}) >= 4


def test_instance_ids_are_global_and_stable(tmp_path):
    data, _, _ = _generate(tmp_path, "mot", num_videos=3)
    tracks = _tracks(data)
    assert sorted(tracks) == list(range(len(tracks)))  # 0-based, unique in the whole dataset
    videos_of = defaultdict(set)
    for instance_id, track in tracks.items():
        videos_of[instance_id].update(a["video_id"] for a in track)
    assert all(len(v) == 1 for v in videos_of.values())
    assert len({next(iter(v)) for v in videos_of.values()}) == 3


def test_object_that_leaves_the_frame_is_no_longer_annotated(tmp_path):
    fast = dict(min_objects=1, max_objects=1, cross_prob=1.0, min_speed=0.25, max_speed=0.25)
    still = dict(occluder_prob=0.0, camera_prob=0.0, max_angle=0.0, max_spin=0.0, max_growth=0.0)
    sizes = dict(min_size=0.3, max_size=0.3, num_frames=8, num_videos=4)
    data, _, _ = _generate(tmp_path, "vid", **fast, **still, **sizes)
    for track in _tracks(data).values():
        frames = [a["frame_id"] for a in track]
        assert frames == list(range(frames[0], frames[-1] + 1))  # in view once, no gaps
        assert len(frames) < 8
        ends = ([track[0]] if frames[0] > 0 else []) + ([track[-1]] if frames[-1] < 7 else [])
        for ann in ends:  # it entered or left across the border
            x, y, w, h = ann["bbox"]
            assert x == 0 or y == 0 or x + w == 64 or y + h == 64


def _square(size, color, centres, annotated=True):
    sprite = render.Sprite(
        np.full((size, size, 3), color, np.uint8), np.full((size, size), 255, np.uint8)
    )
    poses = [(cx, cy, 0.0, 1.0, 1.0) for cx, cy in centres]
    return scenes.SceneObject(sprite=sprite, poses=np.array(poses), category=0, annotated=annotated)


def _scene(objects, num_frames=1, size=32):
    zeros = np.zeros((num_frames, 2))
    background = np.zeros((size, size, 3), np.uint8)
    return scenes.Scene(size, size, 0, background, tuple(objects), zeros, zeros, zeros)


def test_render_occlusion_visibility_and_leaving():
    back = _square(10, (0, 0, 255), [(15, 15)])
    front = _square(10, (0, 255, 0), [(20, 15)])
    image, owner, placed = scenes.render_frame(_scene([back, front]), 0)
    mask, count, visibility = render.visible_mask(owner, placed[0], 0)
    assert (count, visibility) == (50, 0.5)  # left half seen, right half behind `front`
    assert render.mask_box(mask) == [10.0, 10.0, 5.0, 10.0]
    assert render.visible_mask(owner, placed[1], 1)[1:] == (100, 1.0)
    assert (image[mask.astype(bool)] == (0, 0, 255)).all()
    assert (image[owner == -1] == 0).all()
    moving = _square(10, (255, 255, 255), [(15, 15), (25, 15), (35, 15), (45, 15)])
    scene = _scene([moving], num_frames=4)
    seen = []
    for t in range(4):
        _, owner, placed = scenes.render_frame(scene, t)
        seen.append(render.visible_mask(owner, placed[0], 0)[1:])
    assert seen == [(100, 1.0), (100, 1.0), (20, 0.2), (0, 0.0)]  # leaves on the right


def test_motion_helpers():
    rng = np.random.default_rng(0)
    x = motion.reflect(np.arange(-50, 50, 0.5), 0, 10)
    assert x.min() >= 0 and x.max() <= 10
    path = motion.bouncing_path(rng, num_frames=100, lo=(5, 5), hi=(20, 30), velocity=(3, -2))
    assert (path >= (5, 5)).all() and (path <= (20, 30)).all()
    assert np.abs(np.diff(path, axis=0)).max() <= 3 + 1e-9
    flags = motion.burst_schedule(rng, num_frames=10000, prob=0.2)
    assert 0.15 < flags.mean() < 0.25
    assert motion.burst_schedule(rng, num_frames=50, prob=0.0).sum() == 0
    camera = motion.camera_path(rng, num_frames=50, speed=3.0, margin=10)
    assert (camera[0] == 0).all() and np.abs(camera).max() <= 10
    assert len(render.outline("star", 5, 5)) == 10 and len(render.outline("hexagon", 5, 5)) == 6


@pytest.mark.parametrize("task", ["vid", "mot"])
def test_deterministic_from_seed(tmp_path, task):
    a, raw_a, root_a = _generate(tmp_path / "a", task)
    b, raw_b, root_b = _generate(tmp_path / "b", task)
    c, raw_c, root_c = _generate(tmp_path / "c", task, seed=5)
    assert raw_a == raw_b
    assert all(np.array_equal(x, y) for x, y in zip(_frames(a, root_a), _frames(b, root_b)))
    assert raw_a != raw_c
    assert not np.array_equal(_frames(a, root_a)[0], _frames(c, root_c)[0])


def test_params_defaults_splits_and_validation():
    assert synthetic_classes("mot") == ["pedestrian"]
    assert len(set(synthetic_classes("vid"))) == 6 and synthetic_classes(
        "sot"
    ) == synthetic_classes("vid")
    train, val = synthetic_params("mot", "train"), synthetic_params("mot", "val")
    assert (train.num_videos, train.num_frames, train.height, train.width) == (20, 30, 256, 256)
    assert train.seed != val.seed and params_hash(train) != params_hash(val)
    assert SyntheticVideoParams(task="mot").max_objects == 15 == train.max_objects
    assert SyntheticVideoParams(task="mot", max_objects=20).max_objects == 20
    assert params_hash(train) == params_hash(synthetic_params("mot", "train"))
    assert params_hash(train) != params_hash(synthetic_params("mot", "train", blur_prob=0.5))
    with pytest.raises(ValueError, match="objects"):
        synthetic_params("vid", min_objects=3, max_objects=2)
    with pytest.raises(ValueError, match="probabilities"):
        synthetic_params("vid", blur_prob=1.5)
    with pytest.raises(TypeError):
        synthetic_params("vid", colour="red")
    with pytest.raises(KeyError):
        synthetic_params("detection")


def test_ensure_generates_once(tmp_path, monkeypatch):
    json_file, image_root = ensure_synthetic_videos("vid", "val", root=str(tmp_path), **TINY)
    assert os.path.dirname(json_file) == os.path.dirname(image_root)
    folder = os.path.basename(os.path.dirname(json_file))
    assert folder.startswith("vid_val_") and os.listdir(tmp_path) == [folder]
    assert len(json.load(open(json_file))["images"]) == 10
    mtime = os.path.getmtime(json_file)

    def fail(*args, **kwargs):
        raise AssertionError("generated again")

    monkeypatch.setattr(synthetic, "write_synthetic_videos", fail)
    assert ensure_synthetic_videos("vid", "val", root=str(tmp_path), **TINY) == (
        json_file,
        image_root,
    )
    assert os.path.getmtime(json_file) == mtime
    with pytest.raises(AssertionError, match="generated again"):  # other params, other folder
        ensure_synthetic_videos("vid", "val", root=str(tmp_path), **{**TINY, "seed": 9})


def test_ensure_default_root_is_under_detectron2_datasets(tmp_path, monkeypatch):
    monkeypatch.setenv("DETECTRON2_DATASETS", str(tmp_path))
    json_file, _ = ensure_synthetic_videos("sot", "train", **TINY)
    assert json_file.startswith(os.path.join(str(tmp_path), "synthetic_videos", "sot_train_"))


@pytest.mark.parametrize("where", ["frame", "rename"])
def test_ensure_crash_leaves_nothing_complete_and_retry_works(tmp_path, monkeypatch, where):
    calls = []

    def crash(*args, **kwargs):
        calls.append(1)
        if where == "rename" or len(calls) == 4:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    real = synthetic._write_frame if where == "frame" else synthetic._rename_if_absent
    name = "_write_frame" if where == "frame" else "_rename_if_absent"
    monkeypatch.setattr(synthetic, name, crash)
    with pytest.raises(KeyboardInterrupt):
        ensure_synthetic_videos("mot", "train", root=str(tmp_path), **TINY)
    assert os.listdir(tmp_path) == []  # no dataset, no temporary folder
    monkeypatch.undo()
    json_file, _ = ensure_synthetic_videos("mot", "train", root=str(tmp_path), **TINY)
    assert len(json.load(open(json_file))["images"]) == 10


def test_ensure_race_both_end_with_the_same_valid_dataset(tmp_path, monkeypatch):
    real, calls = synthetic.write_synthetic_videos, []

    def slow_write(params, out_dir, **kwargs):
        calls.append(out_dir)
        if len(calls) == 1:  # another process starts later and finishes first
            ensure_synthetic_videos("vis", "train", root=str(tmp_path), **TINY)
        return real(params, out_dir, **kwargs)

    monkeypatch.setattr(synthetic, "write_synthetic_videos", slow_write)
    json_file, image_root = ensure_synthetic_videos("vis", "train", root=str(tmp_path), **TINY)
    assert len(calls) == 2 and calls[0] != calls[1]
    assert os.listdir(tmp_path) == [os.path.basename(os.path.dirname(json_file))]
    data, _, _ = _generate(tmp_path / "reference", "vis")
    assert json.load(open(json_file)) == data


def test_ensure_refuses_an_incomplete_folder(tmp_path):
    params = synthetic_params("vid", "train", **TINY)
    folder = tmp_path / f"vid_train_{params_hash(params)}"
    (folder / "images").mkdir(parents=True)
    with pytest.raises(RuntimeError, match="incomplete"):
        ensure_synthetic_videos("vid", "train", root=str(tmp_path), **TINY)


def test_cli_writes_a_dataset(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    argv = ["--task", "mot", "--split", "val", "--out", str(out), "--num-videos", "1"]
    argv += ["--num-frames", "3", "--height", "48", "--width", "64", "--set", "noise_prob=0.5"]
    assert main(argv) == 0
    data = json.load(open(out / "annotations.json"))
    assert len(data["videos"]) == 1 and len(data["images"]) == 3
    assert data["info"]["params"]["noise_prob"] == 0.5 and data["info"]["params"]["seed"] == 1
    assert (out / "images" / "video_0000" / "000002.jpg").is_file()
    assert str(out / "annotations.json") in capsys.readouterr().out
    monkeypatch.setenv("DETECTRON2_DATASETS", str(tmp_path / "cache"))
    assert main(["--task", "vis", "--num-videos", "1", "--num-frames", "2", "--seed", "3"]) == 0
    assert os.listdir(tmp_path / "cache" / "synthetic_videos")[0].startswith("vis_train_")
    with pytest.raises(SystemExit):
        main(["--task", "vid", "--out", str(out), "--set", "colour=red"])
