"""The hard synthetic MOT tasks (``mot_dance``, ``mot_sports``) are hard the way they claim.

The val splits are generated once, through the builtin cache, and measured from their files:
look-alike objects, direction changes of the ground-truth box centres, overlapping boxes and a
moving background, each against plain ``synthetic_mot_val``.
"""

import json
import os
import time
from collections import defaultdict
from types import SimpleNamespace

import cv2
import numpy as np
import pycocotools.mask as mask_util
import pytest
import torch
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.structures import Boxes, BoxMode, Instances

from d2track.data.datasets.builtin_synthetic import (
    SYNTHETIC_HARD_MOT_SPLITS,
    register_synthetic_videos,
)
from d2track.data.datasets.synthetic import (
    SYNTHETIC_TASKS,
    SyntheticVideoParams,
    ensure_synthetic_videos,
    params_hash,
    synthetic_classes,
    synthetic_params,
    write_synthetic_videos,
)
from d2track.data.datasets.synthetic_scene import sample_scene
from d2track.data.datasets.synthetic_tasks import params_dict

HARD = ("mot_dance", "mot_sports")
ADDED = ("looks", "direction_change_prob", "stop_prob", "max_curvature", "camera_zoom", "backdrop")
# params_hash of the first tasks' splits before the hard tasks came: their cache folders.
LEGACY_HASHES = {
    "vid": {"train": "2c0b095d40", "val": "a310218429", "test": "8ffe56487b"},
    "mot": {"train": "7a8415615d", "val": "0f89dedc94", "test": "69916c507c"},
    "sot": {"train": "b87377c098", "val": "85eb157375", "test": "153002aea1"},
    "vis": {"train": "eeab527695", "val": "0ab8f02b30", "test": "64c359625b"},
}


@pytest.fixture(scope="module")
def val():
    """task -> ``val`` split of mot and of the hard tasks: ``data`` (json), ``root``, ``seconds``.

    Generated once (timed), into the test session's ``$DETECTRON2_DATASETS`` cache.
    """
    splits = {}
    for task in ("mot",) + HARD:
        start = time.perf_counter()
        json_file, image_root = ensure_synthetic_videos(task, "val")
        seconds = time.perf_counter() - start
        with open(json_file, encoding="utf-8") as f:
            splits[task] = SimpleNamespace(data=json.load(f), root=image_root, seconds=seconds)
    return splits


def _by_image(data):
    anns = defaultdict(list)
    for ann in data["annotations"]:
        anns[ann["image_id"]].append(ann)
    return anns


def _tracks(data):
    """instance_id -> {frame_id: annotation}."""
    frame_of = {im["id"]: im["frame_id"] for im in data["images"]}
    tracks = defaultdict(dict)
    for ann in data["annotations"]:
        tracks[ann["instance_id"]][frame_of[ann["image_id"]]] = ann
    return tracks


def _decode(ann):
    rle = dict(ann["segmentation"], counts=ann["segmentation"]["counts"].encode())
    return mask_util.decode(rle).astype(bool)


def _turn_angles(data, *, step=3, min_move=3.0, min_visibility=0.9):
    """Degrees between successive ``step``-frame moves of well-seen gt box centres."""
    angles = []
    for track in _tracks(data).values():
        centres = {
            f: np.array([a["bbox"][0] + a["bbox"][2] / 2, a["bbox"][1] + a["bbox"][3] / 2])
            for f, a in track.items()
            if a["visibility"] >= min_visibility
        }
        for f in centres:
            if f + step in centres and f + 2 * step in centres:
                u, v = centres[f + step] - centres[f], centres[f + 2 * step] - centres[f + step]
                if min(np.linalg.norm(u), np.linalg.norm(v)) > min_move:
                    cos = u @ v / np.linalg.norm(u) / np.linalg.norm(v)
                    angles.append(np.degrees(np.arccos(np.clip(cos, -1, 1))))
    return np.array(angles)


def _overlaps_per_frame(data, threshold=0.3):
    """Pairs of gt boxes with IoU > ``threshold``, per frame."""
    count = 0
    for anns in _by_image(data).values():
        boxes = [a["bbox"] for a in anns]
        ious = mask_util.iou(boxes, boxes, [0] * len(boxes))
        count += int(np.triu(np.asarray(ious) > threshold, k=1).sum())
    return count / len(data["images"])


def _background_shifts(split, max_videos=10, max_frames=40):
    """Per video, the median phase-correlation shift (pixels) between consecutive frames.

    Objects (their gt masks in either frame, dilated) are blanked in both, so that what is
    measured is the background's motion, i.e. the camera's.
    """
    anns, frames = _by_image(split.data), defaultdict(list)
    for image in sorted(split.data["images"], key=lambda im: (im["video_id"], im["frame_id"])):
        if image["video_id"] <= max_videos and image["frame_id"] < max_frames:
            gray = cv2.imread(os.path.join(split.root, image["file_name"]), cv2.IMREAD_GRAYSCALE)
            objects = np.zeros(gray.shape, np.uint8)
            for ann in anns[image["id"]]:
                objects |= _decode(ann).astype(np.uint8)
            objects = cv2.dilate(objects, np.ones((5, 5), np.uint8)).astype(bool)
            frames[image["video_id"]].append((gray.astype(np.float32), objects))
    medians = []
    for video in frames.values():
        shifts = []
        for (a, mask_a), (b, mask_b) in zip(video, video[1:]):
            hidden = mask_a | mask_b
            a, b = np.where(hidden, a[~hidden].mean(), a), np.where(hidden, b[~hidden].mean(), b)
            shifts.append(np.hypot(*cv2.phaseCorrelate(a, b)[0]))
        medians.append(float(np.median(shifts)))
    return np.array(medians)


def test_existing_params_hashes_are_unchanged():
    hashes = {
        task: {s: params_hash(synthetic_params(task, s)) for s in ("train", "val", "test")}
        for task in LEGACY_HASHES
    }
    assert hashes == LEGACY_HASHES


def test_added_fields_are_off_and_left_out_for_existing_tasks():
    for task in LEGACY_HASHES:
        params = synthetic_params(task, "val")
        assert (params.looks, params.direction_change_prob, params.camera_zoom) == (0, 0, 0)
        assert params.backdrop == "clutter" and params.num_frames == 30
        assert not set(ADDED) & set(params_dict(params))
        assert SyntheticVideoParams(**params_dict(params)) == params
    turned_on = synthetic_params("mot", "val", looks=2)
    assert params_dict(turned_on)["looks"] == 2
    assert params_hash(turned_on) != LEGACY_HASHES["mot"]["val"]
    omitted = {"mot_dance": {"camera_zoom", "backdrop"}, "mot_sports": set()}  # off by default
    for task in HARD:  # their fields are written (but those off by default), and read back
        params = synthetic_params(task, "val")
        assert set(ADDED) - set(params_dict(params)) == omitted[task]
        assert SyntheticVideoParams(**params_dict(params)) == params
        off = synthetic_params(task, "val", direction_change_prob=0.0, looks=0)
        assert SyntheticVideoParams(**params_dict(off)) == off != params
    with pytest.raises(ValueError, match="backdrop"):
        synthetic_params("mot_sports", backdrop="grass")
    with pytest.raises(ValueError, match="probabilities"):
        synthetic_params("mot_dance", direction_change_prob=1.5)


def test_hard_task_defaults():
    for task in HARD:
        assert synthetic_classes(task) == synthetic_classes("mot") == ["pedestrian"]
        val, train = synthetic_params(task, "val"), synthetic_params(task, "train")
        assert (val.num_videos, val.num_frames, val.height, val.width) == (10, 80, 256, 256)
        assert (train.num_videos, train.seed, val.seed) == (20, 0, 1)
    dance, sports = synthetic_params("mot_dance"), synthetic_params("mot_sports")
    assert (dance.looks, dance.camera_prob, dance.min_objects, dance.max_objects) == (1, 0, 8, 15)
    assert (sports.looks, sports.camera_prob, sports.backdrop) == (3, 1, "pitch")
    assert sports.camera_zoom > 0 and sports.max_speed > dance.max_speed


@pytest.mark.parametrize("task", HARD)
def test_deterministic_from_seed(tmp_path, task):
    small = dict(num_videos=2, num_frames=12, height=128, width=128)

    def generate(name, **overrides):
        params = synthetic_params(task, "val", **{**small, **overrides})
        json_file, image_root = write_synthetic_videos(params, str(tmp_path / name))
        with open(json_file, "rb") as f:
            raw = f.read()
        names = sorted(im["file_name"] for im in json.loads(raw)["images"])
        return raw, [cv2.imread(os.path.join(image_root, n)) for n in names]

    (raw_a, frames_a), (raw_b, frames_b) = generate("a"), generate("b")
    raw_c, frames_c = generate("c", seed=7)
    assert raw_a == raw_b
    assert all(np.array_equal(x, y) for x, y in zip(frames_a, frames_b))
    assert raw_a != raw_c and not np.array_equal(frames_a[0], frames_c[0])


def _scene(task, index):
    params = synthetic_params(task, "val")
    rng = np.random.default_rng([params.seed, index])
    scene = sample_scene(rng, params, SYNTHETIC_TASKS[task].styles)
    return [obj for obj in scene.objects if obj.annotated]


def test_dancers_look_alike_and_players_wear_team_kits():
    for index in range(3):
        dancers = _scene("mot_dance", index)
        assert len(dancers) >= 8 and {obj.look for obj in dancers} == {0}
        assert all(obj.sprite is dancers[0].sprite for obj in dancers)  # one costume
        heights = [obj.sprite.mask.shape[0] * obj.poses[0, 4] for obj in dancers]
        assert np.ptp(heights) > 0  # sizes still differ a little
        players = _scene("mot_sports", index)
        assert {obj.look for obj in players} == {0, 1, 2}
        kits = {obj.look: obj.sprite for obj in players}
        assert all(obj.sprite is kits[obj.look] for obj in players)
        colours = [kit.rgb[kit.mask > 0].mean(axis=0) for kit in kits.values()]
        assert min(np.linalg.norm(colours[i] - colours[j]) for i, j in [(0, 1), (0, 2), (1, 2)]) > 5
        pedestrians = _scene("mot", index)
        assert {obj.look for obj in pedestrians} == {-1}
        assert len({id(obj.sprite) for obj in pedestrians}) == len(pedestrians)


def _colour_spread(split, max_videos=5):
    """Per video, the largest distance between the mean BGR colours of fully seen objects.

    Videos with fewer than two fully seen objects in their first frame are skipped.
    """
    anns, spreads = _by_image(split.data), []
    for video in range(1, max_videos + 1):
        image = next(
            im for im in split.data["images"] if im["video_id"] == video and im["frame_id"] == 0
        )
        frame = cv2.imread(os.path.join(split.root, image["file_name"]))
        means = [frame[_decode(a)].mean(0) for a in anns[image["id"]] if a["visibility"] > 0.99]
        if len(means) >= 2:
            spreads.append(max(np.linalg.norm(a - b) for a in means for b in means))
    return np.array(spreads)


def test_dancers_look_alike_in_the_frames(val):
    dance, plain = _colour_spread(val["mot_dance"]), _colour_spread(val["mot"])
    assert len(dance) >= 3 and len(plain) >= 3
    assert dance.max() < 15 and np.median(plain) > 40


def test_direction_changes_happen(val):
    angles = {task: _turn_angles(val[task].data) for task in val}
    reversals = {task: np.mean(a > 90) for task, a in angles.items()}
    for task in HARD:
        assert (angles[task] > 90).sum() >= 50
        assert reversals[task] > 5 * reversals["mot"]
    assert reversals["mot"] < 0.02


def test_boxes_cross_more_often(val):
    overlaps = {task: _overlaps_per_frame(val[task].data) for task in val}
    assert overlaps["mot_dance"] > 3 * overlaps["mot"]
    assert overlaps["mot_sports"] > 1.5 * overlaps["mot"]


def test_camera_moves_in_sports_only(val):
    sports, dance = _background_shifts(val["mot_sports"], 5), _background_shifts(
        val["mot_dance"], 5
    )
    plain = _background_shifts(val["mot"])
    assert sports.min() > 0.5 and sports.mean() > 1.0  # every video pans (and zooms)
    assert dance.max() < 0.1  # a static camera: the background stays put
    assert np.median(plain) < 0.1  # most plain videos (70%) keep the camera still


def test_registered_splits_load_with_instance_ids(val, record_property):
    assert set(SYNTHETIC_HARD_MOT_SPLITS) == {
        f"synthetic_{task}_{split}" for task in HARD for split in ("train", "val", "test")
    }
    for task in HARD:
        name = f"synthetic_{task}_val"
        assert name in DatasetCatalog.list()
        assert MetadataCatalog.get(name).thing_classes == ["pedestrian"]
        dicts = DatasetCatalog.get(name)  # the split the fixture generated, from the cache
        assert len(dicts) == 800 and {d["video_length"] for d in dicts} == {80}
        assert all(d["file_name"].startswith(val[task].root) for d in dicts)
        anns = [a for d in dicts for a in d["annotations"]]
        assert {a["category_id"] for a in anns} == {0}
        ids = {(d["video_id"], a["instance_id"]) for d in dicts for a in d["annotations"]}
        assert len(ids) == len({i for _, i in ids}) >= 10 * 8  # global ids, 8+ per video
        # generation time of the split of 800 frames (measured, not asserted)
        record_property(f"{task}_val_seconds", round(val[task].seconds, 2))
        print(f"synthetic_{task}_val generated in {val[task].seconds:.2f} s")


def test_mot_evaluator_scores_ground_truth_as_perfect(tmp_path):
    from d2track.evaluation import MOTEvaluator

    name = "d2track_test_synthetic_mot_sports_small"
    small = dict(num_videos=2, num_frames=10, height=128, width=128)
    register_synthetic_videos(name, task="mot_sports", split="val", root=str(tmp_path), **small)
    evaluator = MOTEvaluator(name, distributed=False)
    evaluator.reset()
    for frame in DatasetCatalog.get(name):
        boxes = [
            BoxMode.convert(a["bbox"], a["bbox_mode"], BoxMode.XYXY_ABS)
            for a in frame["annotations"]
        ]
        instances = Instances((frame["height"], frame["width"]))
        instances.pred_boxes = Boxes(torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4))
        instances.scores = torch.ones(len(boxes))
        instances.ID = torch.tensor([a["instance_id"] for a in frame["annotations"]])
        evaluator.process([frame], [{"instances": instances}])
    metrics = evaluator.evaluate()["mot"]
    assert metrics["HOTA"] == metrics["MOTA"] == metrics["IDF1"] == 100
