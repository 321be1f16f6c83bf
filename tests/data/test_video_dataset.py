import numpy as np
import pytest

from d2track.data.sampling import RefSampler
from d2track.data.video_dataset import VideoFrameDataset, video_starts
from d2track.utils.testing import make_video_dicts


def test_video_starts_and_layout_errors(tmp_path):
    dicts = make_video_dicts(tmp_path)
    assert video_starts(dicts).tolist() == [0, 0, 0, 0, 4, 4]
    swapped = [dicts[1], dicts[0], *dicts[2:]]
    with pytest.raises(ValueError, match=r"dataset dict 0 \(video_id=0, frame_id=1\)"):
        video_starts(swapped)
    gap = dicts[:2] + dicts[3:]
    with pytest.raises(ValueError, match="frame ids 0..L-1"):
        video_starts(gap)


def test_samples_have_references_from_the_same_video(tmp_path):
    dicts = make_video_dicts(tmp_path)
    sampler = RefSampler(method="uniform", num_ref_imgs=2, frame_range=3, filter_key_img=True)
    dataset = VideoFrameDataset(dicts, ref_sampler=sampler)
    assert len(dataset) == 6
    np.random.seed(0)
    for i in range(len(dataset)):
        sample = dataset[i]
        key = sample["key"]
        assert (key["video_id"], key["frame_id"]) == (dicts[i]["video_id"], dicts[i]["frame_id"])
        for ref in sample["refs"]:
            assert ref["video_id"] == key["video_id"] and ref["frame_id"] != key["frame_id"]
    assert len(dataset[0]["refs"]) == 2 and len(dataset[4]["refs"]) == 1  # 2-frame video
    sample = dataset[0]
    sample["key"]["annotations"].clear()
    assert dataset[0]["key"]["annotations"]  # fresh copies


def test_train_frames_only_and_no_sampler(tmp_path):
    dicts = make_video_dicts(tmp_path)
    dicts[1]["is_vid_train_frame"] = False
    dataset = VideoFrameDataset(dicts, train_frames_only=True)
    assert len(dataset) == 5
    assert dataset[1]["key"]["frame_id"] == 2 and dataset[1]["refs"] == []


def _has_instance(frame, instance_id):
    return any(a["instance_id"] == instance_id for a in frame["annotations"])


def test_sot_pairs_follow_tracks(tmp_path):
    from d2track.data.video_dataset import SOTPairDataset

    dicts = make_video_dicts(tmp_path)
    positive = SOTPairDataset(dicts, frame_range=1, pos_prob=1.0)
    assert len(positive) == 4  # (video 0: ids 100, 200), (video 1: ids 101, 201)
    np.random.seed(0)
    for i in range(len(positive)):
        for _ in range(5):
            s = positive[i]
            assert s["is_positive"] and s["template_instance_id"] == s["search_instance_id"]
            assert s["template"]["video_id"] == s["search"]["video_id"]
            assert abs(s["template"]["frame_id"] - s["search"]["frame_id"]) <= 1
            assert _has_instance(s["template"], s["template_instance_id"])
            assert _has_instance(s["search"], s["search_instance_id"])
    negative = SOTPairDataset(dicts, pos_prob=0.0)
    np.random.seed(1)
    samples = [negative[0] for _ in range(20)]
    assert all(not s["is_positive"] for s in samples)
    assert {s["search_instance_id"] for s in samples} == {100, 101, 200, 201}
    assert all(_has_instance(s["search"], s["search_instance_id"]) for s in samples)


def test_sot_pairs_skip_crowd_regions(tmp_path):
    from d2track.data.video_dataset import SOTPairDataset

    dicts = make_video_dicts(tmp_path)
    for frame in dicts:  # instance 200 is a crowd region everywhere, 101 on its first frame
        for ann in frame["annotations"]:
            crowd = ann["instance_id"] == 200 or (
                ann["instance_id"] == 101 and frame["frame_id"] == 0
            )
            ann["iscrowd"] = int(crowd)
    dataset = SOTPairDataset(dicts, frame_range=1, pos_prob=1.0)
    assert [(v, i) for v, i, _ in dataset._tracks] == [(0, 100), (1, 101), (1, 201)]
    assert 0 not in dataset._tracks[1][2]  # 101's crowd frame is never a template
