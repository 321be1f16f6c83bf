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
