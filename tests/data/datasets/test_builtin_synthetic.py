"""Synthetic video splits go through the real CocoVID loader and the video index."""

import pytest
from detectron2.data import DatasetCatalog, MetadataCatalog

from d2track.data.datasets import build_video_index
from d2track.data.datasets.builtin_synthetic import (
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
