import contextlib
import io
import json
import re

import numpy as np
import pytest
from pycocotools import mask as mask_util
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from d2track.evaluation.vis.ytvis_eval import (
    AREA_RANGES,
    STAT_NAMES,
    evaluate_ytvis,
    evaluate_ytvis_files,
    load_ytvis_gt,
    load_ytvis_results,
    video_box_iou,
    video_mask_iou,
)
from d2track.utils.input_files import InputFileError

H, W = 300, 400
ONE = 1.0 / (1.0 + np.spacing(1))  # the reference's precision of a lone true positive


def rle(mask):
    r = mask_util.encode(np.asfortranarray(mask.astype(np.uint8)))
    r["counts"] = r["counts"].decode()
    return r


def rect(y0, y1, x0, x1, h=H, w=W):
    m = np.zeros((h, w), dtype=bool)
    m[y0:y1, x0:x1] = True
    return m


def random_rect(rng):
    side = rng.choice([40, 150, 280])  # spans the small / medium / large area ranges
    hh, ww = (int(min(s, lim)) for s, lim in zip(rng.integers(side // 2, side + 1, 2), (H, W)))
    y0, x0 = int(rng.integers(0, H - hh + 1)), int(rng.integers(0, W - ww + 1))
    return rect(y0, y0 + hh, x0, x0 + ww)


def jitter(mask, rng):
    return np.roll(mask, tuple(rng.integers(-12, 13, 2)), axis=(0, 1))


def random_one_frame_set(seed, num_videos=20, num_cats=3):
    """One-frame videos: (ytvis gt, ytvis results, coco gt, coco results)."""
    rng = np.random.default_rng(seed)
    cats = [{"id": k + 1, "name": f"c{k + 1}"} for k in range(num_cats + 1)]  # last: no gt
    videos = [{"id": v + 1, "height": H, "width": W, "length": 1} for v in range(num_videos)]
    gt_anns, results, coco_anns, coco_res = [], [], [], []
    for v in range(1, num_videos + 1):
        for k in range(1, num_cats + 2):
            gts = [random_rect(rng) for _ in range(rng.integers(0, 4) if k <= num_cats else 0)]
            for m in gts:
                area = float(m.sum())
                gt_anns.append(
                    dict(id=len(gt_anns) + 1, video_id=v, category_id=k, segmentations=[rle(m)])
                )
                gt_anns[-1].update(areas=[area], iscrowd=0)
                coco_anns.append(dict(id=len(coco_anns) + 1, image_id=v, category_id=k, iscrowd=0))
                coco_anns[-1].update(segmentation=rle(m), area=area, bbox=[0, 0, 1, 1])
            num_dt = 105 if (v, k) == (3, 1) else int(rng.integers(0, 13))
            for _ in range(num_dt):
                m = jitter(gts[rng.integers(len(gts))], rng) if gts and rng.random() < 0.7 else None
                m = random_rect(rng) if m is None else m
                score = float(rng.choice([0.5, 0.9])) if rng.random() < 0.2 else float(rng.random())
                results.append(dict(video_id=v, category_id=k, segmentations=[rle(m)], score=score))
                coco_res.append(dict(image_id=v, category_id=k, segmentation=rle(m), score=score))
    gt = dict(videos=videos, categories=cats, annotations=gt_anns)
    images = [dict(id=v["id"], height=H, width=W) for v in videos]
    coco_gt = dict(images=images, categories=cats, annotations=coco_anns)
    return gt, results, coco_gt, coco_res


def coco_stats(coco_gt, coco_res, iou_type):
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = coco_gt
        gt.createIndex()
        ev = COCOeval(gt, gt.loadRes(coco_res), iou_type)
        ev.params.areaRng = [list(r) for r in AREA_RANGES.values()]
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev.stats


@pytest.mark.parametrize("seed", [0, 1])
def test_one_frame_videos_equal_coco_segm(seed):
    gt, results, coco_gt, coco_res = random_one_frame_set(seed)
    ours = evaluate_ytvis(gt, results)
    ref = coco_stats(coco_gt, coco_res, "segm")
    assert list(ours) == list(STAT_NAMES)
    np.testing.assert_allclose([ours[n] for n in STAT_NAMES], ref, rtol=0, atol=1e-12)
    assert 0.05 < ours["AP"] < 0.95 and ours["APm"] > 0  # a non-trivial case


def test_one_frame_videos_equal_coco_bbox():
    gt, results, coco_gt, coco_res = random_one_frame_set(5)
    for ann, coco_ann in zip(gt["annotations"], coco_gt["annotations"]):
        box = [float(v) for v in mask_util.toBbox(ann["segmentations"][0]) + [0.5, 0.25, 0, 1]]
        ann["bboxes"], coco_ann["bbox"] = [box], box
    for res, coco_r in zip(results, coco_res):
        box = [float(v) for v in mask_util.toBbox(res.pop("segmentations")[0])]
        res["bboxes"], coco_r["bbox"] = [box], box
        del coco_r["segmentation"]
    ours = evaluate_ytvis(gt, results, iou_type="bbox")
    ref = coco_stats(coco_gt, coco_res, "bbox")
    np.testing.assert_allclose([ours[n] for n in STAT_NAMES], ref, rtol=0, atol=1e-12)


def brute_video_iou(dts, gts):
    out = np.zeros((len(dts), len(gts)))
    for i, d in enumerate(dts):
        for j, g in enumerate(gts):
            inter = union = 0
            for a, b in zip(d, g):
                a = np.zeros((H, W), bool) if a is None else mask_util.decode(a).astype(bool)
                b = np.zeros((H, W), bool) if b is None else mask_util.decode(b).astype(bool)
                inter, union = inter + (a & b).sum(), union + (a | b).sum()
            out[i, j] = inter / union if union else 0.0
    return out


def test_video_mask_iou_matches_brute_force():
    rng = np.random.default_rng(3)

    def track():
        return [rle(random_rect(rng)) if rng.random() < 0.7 else None for _ in range(6)]

    dts, gts = [track() for _ in range(5)], [track() for _ in range(4)]
    dts.append([rle(np.zeros((H, W), bool))] * 6)  # present but empty
    np.testing.assert_array_equal(video_mask_iou(dts, gts), brute_video_iou(dts, gts))


def test_video_iou_hand_computed_absent_frames():
    # gt: 8 px, absent, 4 px, absent, 2 px (leaves and re-enters); dt: 4 px, 2 px, None, None, 2 px
    g = [rect(0, 2, 0, 4, 4, 4), None, rect(0, 4, 0, 1, 4, 4), None, rect(3, 4, 0, 2, 4, 4)]
    d = [rect(0, 1, 0, 4, 4, 4), rect(3, 4, 2, 4, 4, 4), None, None, rect(3, 4, 1, 3, 4, 4)]
    to_rle = [[None if m is None else rle(m) for m in track] for track in (d, g)]
    # inter = 4 + 0 + 0 + 0 + 1; union = 8 + 2 + 4 + 0 + 3
    assert video_mask_iou([to_rle[0]], [to_rle[1]])[0, 0] == 5 / 17
    boxes_d = [[0, 0, 4, 1], [2, 3, 2, 1], None, None, [1, 3, 2, 1]]
    boxes_g = [[0, 0, 4, 2], None, [0, 0, 1, 4], None, [0, 3, 2, 1]]
    assert video_box_iou([boxes_d], [boxes_g])[0, 0] == 5 / 17
    assert video_mask_iou([to_rle[0]], [[None] * 5])[0, 0] == 0.0


def make_gt(tracks, *, size=(10, 10), num_cats=1):
    """tracks: list of (category_id, [mask or None per frame], iscrowd)."""
    length = len(tracks[0][1])
    anns = []
    for i, (cat, masks, crowd) in enumerate(tracks):
        segs = [None if m is None else rle(m) for m in masks]
        areas = [None if m is None else float(m.sum()) for m in masks]
        anns.append(dict(id=i + 1, video_id=1, category_id=cat, segmentations=segs))
        anns[-1].update(areas=areas, iscrowd=crowd)
    video = dict(id=1, height=size[0], width=size[1], length=length)
    cats = [dict(id=k + 1, name=f"c{k + 1}") for k in range(num_cats)]
    return dict(videos=[video], categories=cats, annotations=anns)


def make_res(cat, masks, score):
    segs = [None if m is None else rle(m) for m in masks]
    return dict(video_id=1, category_id=cat, segmentations=segs, score=score)


def r10(y0, y1, x0, x1):
    return rect(y0, y1, x0, x1, 10, 10)


def px(mask, n, row):
    """``mask`` plus the first n pixels of ``row``."""
    out = mask.copy()
    out[row, :n] = True
    return out


def test_two_frame_hand_computed_ap():
    gt = make_gt([(1, [r10(0, 5, 0, 10), r10(0, 5, 0, 10)], 0)])  # 100 px, avg area 50
    a = [r10(0, 5, 0, 10), px(r10(0, 2, 0, 10), 2, 2)]  # IoU 72 / 100
    b = [r10(0, 5, 0, 10), px(r10(0, 5, 0, 10), 8, 5)]  # IoU 100 / 108
    stats = evaluate_ytvis(gt, [make_res(1, a, 0.9), make_res(1, b, 0.8)])
    # IoU thr <= .72: a is TP, b FP (AP 1); .75..0.9: a FP then b TP (AP .5); .95: none
    expected = dict(AP=0.7, AP50=1.0, AP75=0.5, APs=0.7, APm=-1.0, APl=-1.0)
    expected.update(AR1=0.5, AR10=0.9, AR100=0.9, ARs=0.9, ARm=-1.0, ARl=-1.0)
    assert stats == pytest.approx(expected, abs=1e-12)


def test_exact_score_ties_keep_input_order():
    gt = make_gt([(1, [r10(0, 10, 0, 10)], 0)])  # 100 px
    p1 = make_res(1, [r10(0, 6, 0, 10)], 0.5)  # IoU .6
    p2 = make_res(1, [r10(0, 10, 0, 10) & ~px(np.zeros((10, 10), bool), 7, 0)], 0.5)  # IoU .93
    assert evaluate_ytvis(gt, [p1, p2])["AP"] == pytest.approx(0.6, abs=1e-12)
    assert evaluate_ytvis(gt, [p2, p1])["AP"] == pytest.approx(0.9, abs=1e-12)


def test_gt_iou_tie_goes_to_the_later_ground_truth():
    g1, g2 = r10(0, 1, 0, 6), r10(0, 1, 4, 10)
    gt = make_gt([(1, [g1], 0), (1, [g2], 0)])
    p1 = make_res(1, [r10(0, 1, 2, 8)], 0.9)  # IoU .5 with both
    p2 = make_res(1, [g1], 0.8)  # IoU 1 with g1, .2 with g2
    # p1 takes g2 (the later of the tie), leaving g1 for p2: two TPs at IoU .5
    assert evaluate_ytvis(gt, [p1, p2])["AP50"] == 1.0


def test_crowd_is_ignored_and_uses_plain_video_iou():
    gt = make_gt([(1, [r10(0, 2, 0, 10)], 0), (1, [r10(5, 10, 0, 10)], 1)])
    p3 = make_res(1, [r10(5, 10, 0, 10)], 0.99)  # on the crowd: ignored
    p2 = make_res(1, [r10(5, 6, 0, 10)], 0.95)  # inside the crowd but IoU .2: a false positive
    p1 = make_res(1, [r10(0, 2, 0, 10)], 0.9)  # the regular object
    stats = evaluate_ytvis(gt, [p3, p2, p1])
    assert stats["AP"] == pytest.approx(0.5, abs=1e-12)
    assert stats["AR1"] == 0.0 and stats["AR10"] == 1.0
    assert evaluate_ytvis(gt, [p3, p1])["AP"] == ONE


def test_empty_results_and_category_without_gt():
    gt = make_gt([(1, [r10(0, 2, 0, 10)], 0)], num_cats=2)
    empty = evaluate_ytvis(gt, [], per_category=True)
    assert empty["AP"] == 0.0 and empty["AR100"] == 0.0 and empty["APs"] == 0.0
    assert empty["APm"] == -1.0 and empty["ARl"] == -1.0 and empty["AP-c2"] == -1.0
    fp_only_cat2 = make_res(2, [r10(0, 2, 0, 10)], 0.99)
    perfect = make_res(1, [r10(0, 2, 0, 10)], 0.1)
    stats = evaluate_ytvis(gt, [fp_only_cat2, perfect], per_category=True)
    assert stats["AP"] == ONE and stats["AP-c1"] == ONE and stats["AP-c2"] == -1.0
    no_gt = dict(gt, annotations=[])
    assert set(evaluate_ytvis(no_gt, [perfect]).values()) == {-1.0}


def test_gt_area_comes_from_areas_field_mean_of_present_frames():
    masks = [r10(0, 10, 0, 10), None, r10(0, 10, 0, 10)]
    gt = make_gt([(1, masks, 0)])
    gt["annotations"][0]["areas"] = [20000.0, None, 30000.0]  # mean 25000: medium
    stats = evaluate_ytvis(gt, [make_res(1, masks, 0.5)])
    assert stats["APm"] == ONE and stats["APs"] == -1.0


def write(tmp_path, name, obj):
    path = tmp_path / name
    path.write_text(json.dumps(obj))
    return str(path)


def test_loaders_and_errors_name_file_record_and_field(tmp_path):
    gt = make_gt([(1, [r10(0, 2, 0, 10), None], 0)])
    good = make_res(1, [r10(0, 2, 0, 10), None], 0.5)
    gt_path = write(tmp_path, "gt.json", gt)
    assert load_ytvis_gt(gt_path) == gt
    res_path = write(tmp_path, "res.json", [good])
    assert load_ytvis_results(res_path, gt) == [good]
    assert evaluate_ytvis_files(gt_path, res_path)["AP"] == ONE
    cases = [
        (dict(good, video_id=7), "record 1.video_id: unknown video id 7"),
        (dict(good, category_id=3), "record 1.category_id: unknown category id 3"),
        (dict(good, segmentations=[None]), "record 1.segmentations: has 1 frames, the video has 2"),
        ({k: v for k, v in good.items() if k != "score"}, "record 1.score: missing field"),
        (
            dict(good, segmentations=[rle(np.zeros((4, 4), bool)), None]),
            "record 1.segmentations[0]: mask size",
        ),
    ]
    for bad, message in cases:
        path = write(tmp_path, "bad.json", [good, bad])
        with pytest.raises(InputFileError, match=re.escape("bad.json: " + message)):
            load_ytvis_results(path, gt)
        with pytest.raises(InputFileError, match="bad.json"):
            evaluate_ytvis_files(gt_path, path)
    bad_gt = json.loads(json.dumps(gt))
    bad_gt["annotations"][0]["areas"] = [1.0]
    with pytest.raises(InputFileError, match=r"bad_gt\.json: annotations\[0\]\.areas: has 1"):
        load_ytvis_gt(write(tmp_path, "bad_gt.json", bad_gt))
    with pytest.raises(InputFileError, match=r"missing\.json: file not found"):
        load_ytvis_gt(str(tmp_path / "missing.json"))
    (tmp_path / "broken.json").write_text('{"videos": [\n}')
    with pytest.raises(InputFileError, match=r"broken\.json:2: invalid json"):
        load_ytvis_gt(str(tmp_path / "broken.json"))


def test_polygon_gt_and_bad_iou_type():
    gt = make_gt([(1, [r10(0, 2, 0, 10)], 0)])
    gt["annotations"][0]["segmentations"] = [[[0, 0, 10, 0, 10, 2, 0, 2]]]
    pred = make_res(1, [r10(0, 2, 0, 10)], 0.5)
    stats = evaluate_ytvis(gt, [pred])  # the polygon rasterises to rows 0-1: a perfect match
    assert stats["AP"] == pytest.approx(1.0, abs=1e-15) and stats["AR1"] == 1.0
    uncompressed = {"size": [10, 10], "counts": [0] + [3, 7] * 10}  # rows 0-2, column-major
    gt["annotations"][0]["segmentations"] = [uncompressed]
    # IoU 20 / 30: a match at thresholds .50, .55, .60, .65
    assert evaluate_ytvis(gt, [pred])["AR100"] == pytest.approx(0.4, abs=1e-12)
    with pytest.raises(ValueError, match="iou_type"):
        evaluate_ytvis(gt, [], iou_type="keypoints")


def test_bbox_iou_type_derives_boxes_and_areas_from_masks():
    masks = [r10(0, 2, 0, 10), None, r10(4, 10, 0, 10)]  # areas 20 and 60: mean 40
    gt = make_gt([(1, masks, 0)])
    gt["annotations"][0]["bboxes"] = [[0, 0, 10, 2], None, [0, 4, 10, 6]]
    gt["annotations"][0]["areas"] = [20000.0, None, 20000.0]  # medium, from the areas field
    pred = make_res(1, [masks[0], r10(0, 1, 0, 10), masks[2]], 0.5)  # boxes from the masks
    stats = evaluate_ytvis(gt, [pred], iou_type="bbox")
    # IoU 80 / 90 > .85; the prediction's area (20 + 10 + 60) / 3 = 30 is small: out of range
    assert stats["APm"] == pytest.approx(0.8, abs=1e-12) and stats["ARm"] == 0.8
    assert stats["APs"] == -1.0
    pred["bboxes"] = [[0, 0, 10, 2], None, [0, 4, 10, 6]]
    assert evaluate_ytvis(gt, [pred], iou_type="bbox")["AR100"] == 1.0
