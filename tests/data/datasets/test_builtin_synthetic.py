"""Synthetic video splits go through the real CocoVID loader and the video index."""

from pathlib import Path

import pytest
from detectron2.data import DatasetCatalog, MetadataCatalog

from d2track.data.datasets import build_video_index
from d2track.data.datasets.builtin_synthetic import (
    SYNTHETIC_LARGE_SPLITS,
    SYNTHETIC_VIDEO_SPLITS,
    register_synthetic_videos,
)


def test_all_task_splits_are_registered_with_metadata():
    assert set(SYNTHETIC_VIDEO_SPLITS) == {
        f"synthetic_{t}_{s}" for t in ("vid", "mot", "sot", "vis") for s in ("train", "val", "test")
    }
    assert MetadataCatalog.get("synthetic_mot_train").thing_classes == ["pedestrian"]
    assert len(MetadataCatalog.get("synthetic_vid_train").thing_classes) == 6


@pytest.mark.parametrize("task", ["mot", "sot"])
def test_small_split_loads_as_cocovid(task, tmp_path):
    name = f"d2track_test_synthetic_{task}"
    register_synthetic_videos(
        name,
        task=task,
        split="val",
        root=str(tmp_path),
        num_videos=2,
        num_frames=5,
        height=64,
        width=64,
    )
    dicts = DatasetCatalog.get(name)
    assert len(dicts) == 10
    assert [(d["frame_id"], d["video_length"]) for d in dicts[:5]] == [(f, 5) for f in range(5)]
    assert all(d["file_name"].startswith(str(tmp_path)) for d in dicts)
    index = build_video_index(dicts)
    assert len(index) == 2
    ids = [set(tracks) for tracks in index.tracks]
    assert not ids[0] & ids[1]  # instance ids unique across videos
    if task == "sot":
        assert all(len(tracks) == 1 for tracks in index.tracks)


def test_large_splits_are_registered_as_their_split_with_more_videos():
    assert SYNTHETIC_LARGE_SPLITS == {
        **{f"synthetic_{t}_train200": (t, "train", 200) for t in ("vid", "sot", "vis")},
        "synthetic_sot_val100": ("sot", "val", 100),
        "synthetic_sot_test100": ("sot", "test", 100),
    }
    for name, (task, split, _) in SYNTHETIC_LARGE_SPLITS.items():
        assert name in DatasetCatalog.list()
        smaller = MetadataCatalog.get(f"synthetic_{task}_{split}").thing_classes
        assert MetadataCatalog.get(name).thing_classes == smaller


def _small_split(tmp_path, num_videos):
    name = f"d2track_test_synthetic_sot_train_{num_videos}"
    size = dict(num_frames=4, height=64, width=64)
    register_synthetic_videos(
        name, task="sot", split="train", root=str(tmp_path), num_videos=num_videos, **size
    )
    return DatasetCatalog.get(name)


def test_more_videos_keep_the_first_videos_of_the_smaller_split(tmp_path):
    """What makes ``synthetic_<task>_train200`` a superset of ``synthetic_<task>_train``."""
    small, large = _small_split(tmp_path, 2), _small_split(tmp_path, 3)
    assert len(small) == 8 and len(large) == 12

    def boxes(dicts):
        return [[a["bbox"] for a in d["annotations"]] for d in dicts]

    assert boxes(large[:8]) == boxes(small)
    first = [Path(d["file_name"]).read_bytes() for d in (small[0], large[0])]
    assert first[0] == first[1]
    assert boxes(large[8:]) != boxes(small[4:])
    assert all(a["file_name"] != b["file_name"] for a, b in zip(small, large))  # own folders
