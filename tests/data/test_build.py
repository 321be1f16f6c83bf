import itertools

import numpy as np
import pytest
from detectron2.data import DatasetCatalog
from detectron2.data import transforms as T

from d2track.data.build import (
    build_mixed_train_loader,
    build_video_test_loader,
    get_video_dataset_dicts,
    subset_videos,
)
from d2track.data.mappers import VideoTestMapper, VideoTrainMapper
from d2track.data.sampling import RefSampler
from d2track.data.video_dataset import VideoFrameDataset
from d2track.utils.testing import make_video_dicts


def test_subset_videos_and_get_dicts(tmp_path):
    dicts = make_video_dicts(tmp_path, lengths=(3, 2, 4))
    assert [(d["video_id"], d["frame_id"]) for d in subset_videos(dicts, 2)] == [
        (0, 0),
        (0, 1),
        (0, 2),
        (1, 0),
        (1, 1),
    ]
    assert subset_videos(dicts, None) is dicts
    DatasetCatalog.register("d2track_test_build_videos", lambda: dicts)
    DatasetCatalog.register("d2track_test_build_empty", lambda: [])
    assert len(get_video_dataset_dicts("d2track_test_build_videos", num_videos=1)) == 3
    with pytest.raises(ValueError, match="'d2track_test_build_empty' is empty"):
        get_video_dataset_dicts(["d2track_test_build_videos", "d2track_test_build_empty"])


def test_test_loader_streams_each_video_in_order(tmp_path):
    dicts = make_video_dicts(tmp_path, lengths=(3, 2))
    mapper = VideoTestMapper(augmentations=[])
    loader = build_video_test_loader(dicts, mapper=mapper)
    seen = [(b[0]["video_id"], b[0]["frame_id"]) for b in loader]
    assert seen == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]
    sampler = RefSampler(method="test_with_adaptive_stride", frame_range=[-1, 1])
    with_refs = list(build_video_test_loader(dicts, mapper=mapper, ref_sampler=sampler))
    assert [r["frame_id"] for r in with_refs[0][0]["ref_frames"]] == [0, 2]
    assert with_refs[1][0]["ref_frames"] == []  # later frames reuse the model's memory


def test_mixed_train_loader_batches_key_and_refs(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    sampler = RefSampler(num_ref_imgs=1, frame_range=2)
    video = VideoFrameDataset(make_video_dicts(tmp_path / "a", lengths=(4,)), ref_sampler=sampler)
    images = VideoFrameDataset(
        make_video_dicts(tmp_path / "b", lengths=(1, 1)), ref_sampler=sampler
    )
    loader = build_mixed_train_loader(
        [video, images],
        ratios=[0.5, 0.5],
        total_batch_size=4,
        seed=0,
        mapper=VideoTrainMapper(augmentations=[T.RandomFlip()]),
        aspect_ratio_grouping=False,
    )
    np.random.seed(0)
    batches = list(itertools.islice(iter(loader), 5))
    samples = [s for b in batches for s in b]
    assert len(samples) == 20 and all(len(s["ref_frames"]) == 1 for s in samples)
    from_images = [s for s in samples if "/b/" in s["file_name"]]
    assert 0 < len(from_images) < 20
    for s in from_images:  # one-frame videos: the reference is a copy of the key
        assert s["ref_frames"][0]["file_name"] == s["file_name"]
