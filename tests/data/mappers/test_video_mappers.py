import numpy as np
import torch
from detectron2.data import transforms as T

from d2track.data.mappers import VideoTestMapper, VideoTrainMapper, match_instance_ids
from d2track.utils.testing import make_video_dicts


def test_match_instance_ids():
    key = torch.tensor([5, 7, 9, -1])
    ref = torch.tensor([9, 5, -1])
    assert match_instance_ids(key, ref).tolist() == [1, -1, 0, -1]
    assert match_instance_ids(key, torch.tensor([], dtype=torch.int64)).tolist() == [-1] * 4


def test_train_mapper_key_and_refs_share_the_flip(tmp_path):
    dicts = make_video_dicts(tmp_path, lengths=(4,), height=24, width=32)
    mapper = VideoTrainMapper(augmentations=[T.HFlipTransform(32)], mask_format="bitmask")
    out = mapper({"key": dicts[0], "refs": [dicts[2], dicts[3]]})
    assert out["image"].shape == (3, 24, 32) and out["image"].dtype == torch.uint8
    assert (out["video_id"], out["frame_id"], out["height"]) == (0, 0, 24)
    assert "annotations" not in out
    inst = out["instances"]
    assert inst.gt_instance_ids.tolist() == [100]
    # Flipped: x in [2, 8] -> [24, 30].
    assert inst.gt_boxes.tensor.tolist() == [[24.0, 4.0, 30.0, 9.0]]
    assert inst.gt_masks.tensor.shape == (1, 24, 32)
    refs = out["ref_frames"]
    assert [r["frame_id"] for r in refs] == [2, 3]
    assert refs[0]["instances"].gt_instance_ids.tolist() == [100, 200]
    assert refs[0]["instances"].gt_boxes.tensor[0].tolist() == [18.0, 4.0, 24.0, 9.0]
    assert inst.gt_match_indices.tolist() == [[0, 0]]
    assert int(refs[1]["image"][0, 0, 0]) == 30  # frame 3 is filled with 10 * 3


def test_train_mapper_drops_crowd_and_cropped_away_boxes(tmp_path):
    dicts = make_video_dicts(tmp_path, lengths=(2,), height=24, width=32)
    dicts[1]["annotations"][1]["iscrowd"] = 1
    mapper = VideoTrainMapper(augmentations=[T.CropTransform(0, 0, 16, 24)])
    out = mapper({"key": dicts[1], "refs": []})
    assert out["instances"].gt_instance_ids.tolist() == [100]
    assert out["instances"].gt_match_indices.shape == (1, 0)
    assert not out["instances"].has("gt_masks")
    assert out["image"].shape == (3, 24, 16)


def test_test_mapper_streams_frames_with_video_fields(tmp_path):
    dicts = make_video_dicts(tmp_path, lengths=(3,))
    mapper = VideoTestMapper(augmentations=[T.ResizeShortestEdge(48, max_size=100)])
    out = mapper(dicts[1])
    assert out["image"].shape == (3, 48, 64)
    assert (out["video_id"], out["frame_id"], out["video_length"]) == (0, 1, 3)
    assert "instances" not in out and "ref_frames" not in out
    with_refs = mapper({"key": dicts[2], "refs": [dicts[0]]})
    assert [r["frame_id"] for r in with_refs["ref_frames"]] == [0]
    assert np.array_equal(with_refs["ref_frames"][0]["image"].shape, (3, 48, 64))
