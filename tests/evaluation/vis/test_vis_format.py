import json
import os
import zipfile

import numpy as np
import pytest
import torch
from detectron2.structures import Instances
from pycocotools import mask as mask_util

from d2track.evaluation.vis.format import (
    cocovid_to_ytvis_gt,
    mask_to_rle,
    tracks_to_ytvis_results,
    write_ytvis_submission,
)
from d2track.evaluation.vis.ytvis_eval import evaluate_ytvis

ONE = 1.0 / (1.0 + np.spacing(1))


def box_mask(y0, y1, x0, x1, h=6, w=8):
    m = np.zeros((h, w), dtype=bool)
    m[y0:y1, x0:x1] = True
    return m


def decode(rle):
    return mask_util.decode(rle).astype(bool)


def frame(ids, scores, labels, masks):
    return dict(
        track_ids=np.array(ids), scores=np.array(scores), labels=np.array(labels), masks=masks
    )


def test_frames_to_results_score_mean_majority_and_absent_frames():
    a, b, c = box_mask(0, 2, 0, 2), box_mask(1, 4, 1, 5), box_mask(3, 6, 0, 8)
    frames = [
        frame([5], [0.9], [2], np.stack([a])),
        frame([7, 5], [0.4, 0.6], [0, 1], np.stack([b, c])),
        frame([5], [0.3], [1], [mask_to_rle(b)]),  # RLE masks are accepted too
        frame([], [], [], np.zeros((0, 6, 8), bool)),
    ]
    results = tracks_to_ytvis_results(
        [dict(video_id=3, frames=frames)], label_to_category_id=[10, 20, 30]
    )
    assert [(r["video_id"], r["category_id"]) for r in results] == [(3, 20), (3, 10)]
    assert results[0]["score"] == pytest.approx((0.9 + 0.6 + 0.3) / 3, abs=1e-15)
    assert results[1]["score"] == 0.4
    segs = results[0]["segmentations"]
    assert len(segs) == 4 and segs[3] is None and isinstance(segs[0]["counts"], str)
    for seg, mask in zip(segs[:3], [a, c, b]):
        np.testing.assert_array_equal(decode(seg), mask)
    assert results[1]["segmentations"][0] is None and results[1]["segmentations"][2] is None
    json.dumps(results)  # serialisable as is


def test_majority_vote_ties_go_to_the_smallest_label():
    track = dict(masks=[box_mask(0, 1, 0, 1)] * 4, scores=[0.5] * 4, labels=[3, 1, 3, 1])
    out = tracks_to_ytvis_results([dict(video_id=1, tracks={1: track})])
    assert out[0]["category_id"] == 1
    track["labels"] = [2, 1, 2, 0]
    out = tracks_to_ytvis_results(
        [dict(video_id=1, tracks={1: track})], label_to_category_id={2: 9}
    )
    assert out[0]["category_id"] == 9


def test_detectron2_instances_frames():
    inst = Instances((6, 8))
    inst.ID = torch.tensor([4, 2])
    inst.scores = torch.tensor([0.5, 0.25])
    inst.pred_classes = torch.tensor([0, 1])
    inst.pred_masks = torch.from_numpy(np.stack([box_mask(0, 2, 0, 2), box_mask(2, 3, 0, 8)]))
    out = tracks_to_ytvis_results([dict(video_id=8, frames=[inst, inst])])
    assert [(r["category_id"], r["score"]) for r in out] == [(0, 0.5), (1, 0.25)]
    np.testing.assert_array_equal(decode(out[1]["segmentations"][1]), box_mask(2, 3, 0, 8))


def test_bad_frames_raise():
    with pytest.raises(ValueError, match="differ in length"):
        tracks_to_ytvis_results([dict(video_id=1, frames=[frame([1, 2], [0.5], [0], [None])])])


def test_an_id_twice_in_a_frame_counts_both_scores_and_keeps_the_later_mask():
    # MMTracking's format_results: MaskTrack R-CNN's tracker can give one track two detections
    dup = frame([1, 1], [0.5, 0.25], [0, 0], np.stack([box_mask(0, 1, 0, 1), box_mask(2, 3, 0, 8)]))
    (out,) = tracks_to_ytvis_results([dict(video_id=1, frames=[dup])])
    assert out["score"] == pytest.approx(0.375)
    np.testing.assert_array_equal(decode(out["segmentations"][0]), box_mask(2, 3, 0, 8))


def test_submission_zip_round_trip(tmp_path):
    results = [
        dict(video_id=np.int64(1), category_id=2, score=np.float32(0.5), segmentations=[None]),
        dict(
            video_id=2, category_id=1, score=0.75, segmentations=[mask_to_rle(box_mask(0, 1, 0, 1))]
        ),
    ]
    zip_path = str(tmp_path / "out" / "submission.zip")
    json_path = str(tmp_path / "out" / "results.json")
    assert write_ytvis_submission(results, zip_path, json_path=json_path) == zip_path
    with zipfile.ZipFile(zip_path) as zf:
        assert zf.namelist() == ["results.json"]
        assert zf.getinfo("results.json").compress_type == zipfile.ZIP_DEFLATED
        from_zip = json.loads(zf.read("results.json"))
    expected = json.loads(json.dumps(results, default=lambda o: o.item()))
    assert from_zip == expected
    with open(json_path) as f:
        assert json.load(f) == expected
    assert sorted(os.listdir(tmp_path / "out")) == ["results.json", "submission.zip"]  # no temps


def test_cocovid_gt_and_results_evaluate_end_to_end():
    masks = {0: box_mask(0, 3, 0, 4), 1: box_mask(2, 6, 2, 8)}
    images = [dict(id=10 + t, video_id=1, frame_id=t, height=6, width=8) for t in range(3)]
    anns = []
    for t, inst in [(0, 0), (0, 1), (2, 0), (1, 1)]:  # instance 0 leaves at frame 1, re-enters
        rle = mask_to_rle(masks[inst])
        anns.append(dict(id=len(anns) + 1, image_id=10 + t, instance_id=inst, category_id=inst + 1))
        anns[-1].update(segmentation=rle, bbox=[0, 0, 1, 1], area=float(masks[inst].sum()))
    cocovid = dict(
        videos=[dict(id=1, name="v")],
        images=images,
        annotations=anns,
        categories=[dict(id=1, name="a"), dict(id=2, name="b")],
    )
    gt = cocovid_to_ytvis_gt(cocovid)
    assert gt["videos"] == [dict(id=1, name="v", length=3, height=6, width=8)]
    first = gt["annotations"][0]
    assert first["areas"] == [12.0, None, 12.0] and first["segmentations"][1] is None
    frames = [
        frame([0, 1], [0.8, 0.9], [0, 1], np.stack([masks[0], masks[1]])),
        frame([1], [0.7], [1], np.stack([masks[1]])),
        frame([0], [0.6], [0], np.stack([masks[0]])),
    ]
    results = tracks_to_ytvis_results(
        [dict(video_id=1, frames=frames)], label_to_category_id=[1, 2]
    )
    stats = evaluate_ytvis(gt, results)
    assert stats["AP"] == ONE and stats["AR1"] == 1.0
    frames[1] = frame([1, 0], [0.7, 0.5], [1, 0], np.stack([masks[1], masks[0]]))  # extra frame
    results = tracks_to_ytvis_results(
        [dict(video_id=1, frames=frames)], label_to_category_id=[1, 2]
    )
    # track 0 now has 36 px of union for 24 px of overlap: IoU 2/3, a TP at .5:.05:.65 only
    assert evaluate_ytvis(gt, results, per_category=True)["AP-a"] == pytest.approx(0.4 * ONE)
