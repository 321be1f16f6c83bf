import contextlib
import functools
import io
import json
import logging
import math
import uuid

import numpy as np
import pytest
import torch
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.structures import Boxes, BoxMode, Instances
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from d2track.data.datasets.cocovid import register_cocovid_instances
from d2track.evaluation.vid.evaluator import (
    DETECTRON2_MAX_DETS,
    MMDET_MAX_DETS,
    VID_METRICS,
    VIDEvaluator,
)
from d2track.utils.testing import run_on_ranks

NAN = float("nan")
# recall thresholds 0.00, 0.01, ..., 1.00: 51 of the 101 are <= 0.5
HALF_RECALL_AP = 100 * 51 / 101


@pytest.fixture
def register():
    """register(dicts, **metadata) -> a fresh dataset name; removed after the test."""
    names = []

    def _register(dicts, **metadata):
        name = f"test_vid_evaluator_{uuid.uuid4().hex}"
        DatasetCatalog.register(name, lambda: dicts)
        MetadataCatalog.get(name).set(**metadata)
        names.append(name)
        return name

    yield _register
    for name in names:
        DatasetCatalog.remove(name)
        MetadataCatalog.remove(name)


def _ann(box, category_id=0, *, mode=BoxMode.XYWH_ABS, iscrowd=0, **extra):
    return dict(bbox=list(box), bbox_mode=mode, category_id=category_id, iscrowd=iscrowd, **extra)


def _video(video_id, frames_annotations, first_image_id=None):
    """One video: a dict per frame with the given annotation lists (instance ids filled in)."""
    first = 10 * video_id if first_image_id is None else first_image_id
    dicts = []
    for f, anns in enumerate(frames_annotations):
        for k, a in enumerate(anns):
            a.setdefault("instance_id", k)
        dicts.append(
            dict(
                file_name=f"v{video_id}/{f}.jpg",
                image_id=first + f,
                height=480,
                width=640,
                video_id=video_id,
                frame_id=f,
                video_length=len(frames_annotations),
                annotations=anns,
            )
        )
    return dicts


def _instances(boxes_xyxy=(), scores=(), classes=None):
    boxes = torch.tensor(np.asarray(boxes_xyxy, dtype=np.float32).reshape(-1, 4))
    scores = torch.tensor(np.asarray(scores, dtype=np.float32))
    classes = torch.zeros(len(scores), dtype=torch.long) if classes is None else classes
    return Instances(
        (480, 640), pred_boxes=Boxes(boxes), scores=scores, pred_classes=torch.as_tensor(classes)
    )


def _evaluate(name, frames, **kwargs):
    """frames: [(video_id, frame_id, Instances)] processed one at a time."""
    evaluator = VIDEvaluator(name, **kwargs)
    evaluator.reset()
    for video_id, frame_id, instances in frames:
        evaluator.process(
            [{"video_id": video_id, "frame_id": frame_id}], [{"instances": instances}]
        )
    return evaluator.evaluate()


def _assert_metrics(result, expected):
    np.testing.assert_allclose([result["bbox"][m] for m in VID_METRICS], expected, atol=1e-9)


def _xyxy(box):
    return [box[0], box[1], box[0] + box[2], box[1] + box[3]]


# --- hand-computed cases ----------------------------------------------------------------------


def _mixed_dataset():
    """2 videos, 2 classes (dataset ids 3 and 7); small, medium and large boxes; XYWH and XYXY."""
    v0 = _video(
        0,
        [
            [_ann([10, 10, 20, 20], 0), _ann([100, 100, 60, 50], 1)],
            [_ann([300, 200, 450, 400], 0, mode=BoxMode.XYXY_ABS)],
            [],
        ],
    )
    v1 = _video(1, [[_ann([5, 5, 15, 25], 1), _ann([200, 50, 250, 300], 0)], []])
    return v0 + v1


def _gt_xyxy(record):
    return [
        BoxMode.convert(a["bbox"], a["bbox_mode"], BoxMode.XYXY_ABS) for a in record["annotations"]
    ]


def test_ground_truth_as_predictions_gives_100(register, tmp_path):
    dicts = _mixed_dataset()
    name = register(
        dicts, thing_classes=["cat", "dog"], thing_dataset_id_to_contiguous_id={3: 0, 7: 1}
    )
    frames = [
        (
            d["video_id"],
            d["frame_id"],
            _instances(
                _gt_xyxy(d),
                [1.0] * len(d["annotations"]),
                [a["category_id"] for a in d["annotations"]],
            ),
        )
        for d in dicts
    ]
    out = _evaluate(name, frames, output_dir=str(tmp_path), per_category=True)
    _assert_metrics(out, [100.0] * 6)
    np.testing.assert_allclose([out["bbox"]["AP-cat"], out["bbox"]["AP-dog"]], 100.0, atol=1e-9)
    assert len(out["bbox"]) == 8
    written = json.loads((tmp_path / "vid_detections.json").read_text())
    assert [(r["image_id"], r["category_id"], r["bbox"], r["score"]) for r in written] == [
        (0, 3, [10, 10, 20, 20], 1.0),
        (0, 7, [100, 100, 60, 50], 1.0),
        (1, 3, [300, 200, 150, 200], 1.0),
        (10, 7, [5, 5, 15, 25], 1.0),
        (10, 3, [200, 50, 250, 300], 1.0),
    ]


def test_frame_without_prediction_counts_as_missed(register):
    name = register(_video(0, [[_ann([0, 0, 100, 100])], [_ann([0, 0, 100, 100])]]))
    out = _evaluate(name, [(0, 0, _instances([[0, 0, 100, 100]], [0.5]))])
    _assert_metrics(out, [HALF_RECALL_AP] * 3 + [NAN, NAN, HALF_RECALL_AP])


def test_false_positive_above_true_positive(register):
    # 1 gt; FP (score 0.9) elsewhere, TP (0.8) with IoU 0.72: matched at IoU 0.50-0.70 only.
    # Matched: precision 1/2 at recall 1 -> AP 0.5; unmatched: AP 0. Mean over 10 IoUs: 0.25.
    name = register(_video(0, [[_ann([0, 0, 100, 100])]]), thing_classes=["a"])
    boxes = [[300, 300, 400, 400], [0, 0, 72, 100]]
    out = _evaluate(name, [(0, 0, _instances(boxes, [0.9, 0.8]))], per_category=True)
    _assert_metrics(out, [25.0, 50.0, 0.0, NAN, NAN, 25.0])
    assert out["bbox"]["AP-a"] == 25.0


def test_iou_exactly_at_threshold_matches(register):
    # IoU 5000 / 10000 = 0.5 exactly: matched at 0.50 (COCOeval needs IoU >= threshold) only
    name = register(_video(0, [[_ann([0, 0, 100, 100])]]))
    out = _evaluate(name, [(0, 0, _instances([[0, 0, 50, 100]], [0.5]))])
    _assert_metrics(out, [10.0, 100.0, 0.0, NAN, NAN, 10.0])


def _crowd_case(register, **crowd_fields):
    region = _ann([0, 0, 300, 300], **crowd_fields)
    name = register(_video(0, [[_ann([400, 300, 100, 100]), region]]))
    # D1 (0.9) inside the region, IoU 1/9 with it as a box; D2 (0.8) exactly on the other gt
    return name, [(0, 0, _instances([[10, 10, 110, 110], [400, 300, 500, 400]], [0.9, 0.8]))]


def test_crowd_region_detections_are_ignored(register):
    name, frames = _crowd_case(register, iscrowd=1)
    _assert_metrics(_evaluate(name, frames), [100.0, 100.0, 100.0, NAN, NAN, 100.0])
    name, frames = _crowd_case(register, iscrowd=0)  # now a missed gt and a false positive
    _assert_metrics(
        _evaluate(name, frames), [HALF_RECALL_AP / 2] * 3 + [NAN, NAN, HALF_RECALL_AP / 2]
    )


def test_ignore_flag_counts_unless_ignore_as_crowd(register):
    anns = [_ann([0, 0, 100, 100]), _ann([200, 200, 100, 100], ignore=1)]
    name = register(_video(0, [anns]))
    frames = [(0, 0, _instances([[0, 0, 100, 100]], [0.9]))]
    # MMTracking: COCOeval overwrites 'ignore' with 'iscrowd', so the ignored gt is a miss
    _assert_metrics(_evaluate(name, frames), [HALF_RECALL_AP] * 3 + [NAN, NAN, HALF_RECALL_AP])
    out = _evaluate(name, frames, ignore_as_crowd=True)
    _assert_metrics(out, [100.0] * 3 + [NAN, NAN, 100.0])


def test_empty_predictions_give_zero(register, caplog, tmp_path):
    name = register(_mixed_dataset())
    frames = [(0, f, _instances()) for f in range(3)]
    with caplog.at_level(logging.WARNING):
        out = _evaluate(name, frames, output_dir=str(tmp_path))
    assert out == {"bbox": {m: 0.0 for m in VID_METRICS}}
    assert "no detections; every AP is 0" in caplog.text
    assert json.loads((tmp_path / "vid_detections.json").read_text()) == []
    assert _evaluate(name, []) == {}  # nothing processed


def test_one_frame_video_and_partial_run(register):
    # Only video 1 (one frame) is processed: video 0's missed gt does not count.
    dicts = _video(0, [[_ann([0, 0, 50, 50])]]) + _video(1, [[_ann([0, 0, 100, 100])]])
    name = register(dicts)
    out = _evaluate(name, [(1, 0, _instances([[0, 0, 100, 100]], [0.3]))])
    _assert_metrics(out, [100.0] * 3 + [NAN, NAN, 100.0])


# --- maxDets ----------------------------------------------------------------------------------


def test_max_dets_conventions_differ_beyond_100_detections(register):
    # 149 false positives score above the only true positive, ranked 150th in its frame.
    name = register(_video(0, [[_ann([0, 0, 100, 100])]]))
    fps = [[200 + k, 200, 300 + k, 300] for k in range(149)]  # large, as the gt
    scores = list(np.linspace(0.99, 0.5, 149)) + [0.1]
    frames = [(0, 0, _instances(fps + [[0, 0, 100, 100]], scores))]
    # MMDetection: mAP at 100 detections (TP cut) but mAP_50... at 1000: precision 1/150
    out = _evaluate(name, frames)
    _assert_metrics(out, [0.0] + [100 / 150] * 2 + [NAN, NAN, 100 / 150])
    out = _evaluate(name, frames, max_dets=DETECTRON2_MAX_DETS)
    _assert_metrics(out, [0.0] * 3 + [NAN, NAN, 0.0])


def test_bad_max_dets(register):
    name = register(_video(0, [[]]))
    with pytest.raises(ValueError, match="max_dets must be 3 increasing numbers including 100"):
        VIDEvaluator(name, max_dets=(1, 10, 1000))


# --- equality with pycocotools run directly ---------------------------------------------------


def _random_case(seed=0):
    """3 videos (4, 3, 2 frames), 3 classes (ids 1, 5, 9); boxes of all sizes, crowds, FPs."""
    rng = np.random.default_rng(seed)
    dicts, preds = [], {}
    for v, length in enumerate((4, 3, 2)):
        frames = []
        for f in range(length):
            n = rng.integers(0, 6)
            wh = np.exp(rng.uniform(np.log(8), np.log(300), (n, 2)))
            xy = rng.uniform(0, 300, (n, 2))
            cls = rng.integers(0, 3, n)
            crowd = rng.random(n) < 0.1
            frames.append(
                [
                    _ann(b, int(c), iscrowd=int(k))
                    for b, c, k in zip(np.c_[xy, wh].tolist(), cls, crowd)
                ]
            )
        video = _video(v, frames)
        dicts += video
        for d in video:
            gt = np.array([_xyxy(a["bbox"]) for a in d["annotations"]]).reshape(-1, 4)
            keep = rng.random(len(gt)) < 0.8
            noise = rng.normal(0, 4, (keep.sum(), 4))
            fp = rng.uniform(0, 300, (rng.integers(0, 4), 2))
            fp = np.c_[fp, fp + rng.uniform(10, 150, (len(fp), 2))]
            boxes = np.r_[gt[keep] + noise, fp]
            classes = np.r_[[a["category_id"] for a in d["annotations"]], [0] * 0][keep]
            classes = np.r_[classes, rng.integers(0, 3, len(fp))].astype(np.int64)
            scores = rng.random(len(boxes))
            preds[(v, d["frame_id"])] = _instances(boxes, scores, torch.tensor(classes))
    return dicts, preds


ID_MAP = {1: 0, 5: 1, 9: 2}


def _pycocotools_stats(dicts, preds, max_dets):
    to_id = {v: k for k, v in ID_MAP.items()}
    anns = [(d["image_id"], a) for d in dicts for a in d["annotations"]]
    gt = {
        "images": [{"id": d["image_id"]} for d in dicts],
        "categories": [{"id": i} for i in ID_MAP],
        "annotations": [
            dict(
                id=i + 1,
                image_id=img,
                category_id=to_id[a["category_id"]],
                bbox=a["bbox"],
                area=a["bbox"][2] * a["bbox"][3],
                iscrowd=a["iscrowd"],
            )
            for i, (img, a) in enumerate(anns)
        ],
    }
    results = []
    for d in dicts:
        inst = preds[(d["video_id"], d["frame_id"])]
        b = inst.pred_boxes.tensor.numpy().astype(np.float64)
        for box, s, c in zip(b.tolist(), inst.scores.tolist(), inst.pred_classes.tolist()):
            bbox = [box[0], box[1], box[2] - box[0], box[3] - box[1]]
            results.append(dict(image_id=d["image_id"], category_id=to_id[c], bbox=bbox, score=s))
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = gt
        coco_gt.createIndex()
        coco_eval = COCOeval(coco_gt, coco_gt.loadRes(results), "bbox")
        coco_eval.params.maxDets = list(max_dets)
        coco_eval.evaluate()
        coco_eval.accumulate()
        coco_eval.summarize()
    return coco_eval.stats[:6] * 100, results


@pytest.mark.parametrize("max_dets", [MMDET_MAX_DETS, DETECTRON2_MAX_DETS])
def test_equal_to_pycocotools_on_random_case(register, tmp_path, max_dets):
    dicts, preds = _random_case()
    name = register(dicts, thing_dataset_id_to_contiguous_id=ID_MAP)
    frames = [(v, f, inst) for (v, f), inst in preds.items()]
    out = _evaluate(name, frames, max_dets=max_dets, output_dir=str(tmp_path))
    expected, results = _pycocotools_stats(dicts, preds, max_dets)
    assert all(0 < e < 100 for e in expected)  # every metric defined and non-trivial
    _assert_metrics(out, expected)
    written = json.loads((tmp_path / "vid_detections.json").read_text())
    assert len(written) == len(results) > 30
    for w, r in zip(written, results):
        assert (w["image_id"], w["category_id"], w["score"]) == (
            r["image_id"],
            r["category_id"],
            r["score"],
        )
        np.testing.assert_allclose(w["bbox"], r["bbox"], atol=1e-9)


def test_cocovid_json_scored_as_mmtracking_scores_it(tmp_path):
    # MMTracking runs COCOeval on the raw json (category ids 3 and 7, an 'ignore' annotation)
    boxes = [[10, 10, 40, 30], [100, 80, 120, 150], [300, 200, 20, 20], [50, 300, 200, 100]]
    coco = {
        "categories": [{"id": 3, "name": "cat"}, {"id": 7, "name": "dog"}],
        "videos": [{"id": 1, "name": "v"}],
        "images": [
            dict(id=i + 1, file_name=f"{i}.jpg", height=480, width=640, video_id=1, frame_id=i)
            for i in range(2)
        ],
        "annotations": [
            dict(
                id=k + 1,
                image_id=k % 2 + 1,
                category_id=(3, 7)[k % 2],
                bbox=b,
                area=b[2] * b[3],
                iscrowd=0,
                ignore=int(k == 3),
                instance_id=k,
            )
            for k, b in enumerate(boxes)
        ],
    }
    # (XYWH box, score, class index) per frame; the 'ignore' gt (dog, frame 1) is missed
    dets = [
        [(boxes[0], 0.9, 0), (boxes[2], 0.8, 0), ([0, 0, 30, 30], 0.7, 1)],
        [(boxes[1], 0.9, 1), ([5, 5, 30, 30], 0.95, 0)],
    ]
    json_file = tmp_path / "vid.json"
    json_file.write_text(json.dumps(coco))
    name = f"test_vid_evaluator_{uuid.uuid4().hex}"
    register_cocovid_instances(name, {}, json_file, tmp_path)
    try:
        evaluator = VIDEvaluator(name)  # loads the json: the metadata now maps 3, 7 -> 0, 1
        for f, frame_dets in enumerate(dets):
            b, s, c = zip(*frame_dets)
            inst = _instances([_xyxy(x) for x in b], s, torch.tensor(c))
            evaluator.process([{"video_id": 1, "frame_id": f}], [{"instances": inst}])
        out = evaluator.evaluate()
    finally:
        DatasetCatalog.remove(name)
        MetadataCatalog.remove(name)
    results = [
        dict(image_id=f + 1, category_id=(3, 7)[c], bbox=b, score=s)
        for f, frame_dets in enumerate(dets)
        for b, s, c in frame_dets
    ]
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO(str(json_file))
        coco_eval = COCOeval(coco_gt, coco_gt.loadRes(results), "bbox")
        coco_eval.params.maxDets = [100, 300, 1000]
        coco_eval.evaluate()
        coco_eval.accumulate()
        coco_eval.summarize()
    expected = [x * 100 if x >= 0 else NAN for x in coco_eval.stats[:6]]
    _assert_metrics(out, expected)
    assert 0 < out["bbox"]["bbox_mAP"] < 100


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["bbox", "bbox_mode", "category_id"])
def test_annotation_without_field_raises_naming_it(register, field):
    dicts = _video(0, [[_ann([0, 0, 5, 5])], [_ann([0, 0, 5, 5]), _ann([1, 1, 5, 5])]])
    del dicts[1]["annotations"][1][field]
    name = register(dicts)
    with pytest.raises(ValueError) as e:
        VIDEvaluator(name)
    assert str(e.value) == (
        f"dataset '{name}', video_id 0, frame_id 1 (v0/1.jpg), annotation 1: "
        f"missing field '{field}'"
    )


def test_relative_box_mode_and_duplicate_image_id_raise(register):
    name = register(_video(0, [[_ann([0, 0, 0.5, 0.5], mode=BoxMode.XYWH_REL)]]))
    with pytest.raises(ValueError, match=r"frame_id 0 \(v0/0.jpg\), annotation 0: 'bbox_mode'"):
        VIDEvaluator(name)
    name = register(_video(0, [[]]) + _video(1, [[]], first_image_id=0))
    with pytest.raises(ValueError, match="video_id 1, frame_id 0 .*repeats 0 as 'image_id'"):
        VIDEvaluator(name)


def test_unknown_class_or_frame_raises(register):
    name = register(_video(0, [[_ann([0, 0, 9, 9])]]), thing_classes=["a"])
    frames = [(0, 0, _instances([[0, 0, 9, 9]], [0.5], torch.tensor([3])))]
    with pytest.raises(ValueError, match=rf"predicted class ids \[3\] are not classes of '{name}'"):
        _evaluate(name, frames)
    with pytest.raises(ValueError, match=r"frame_id 5 of video_id 0, which is not a frame"):
        _evaluate(name, [(0, 5, _instances())])
    name = register(_video(0, [[_ann([0, 0, 9, 9], 2)]]), thing_dataset_id_to_contiguous_id={4: 0})
    with pytest.raises(
        ValueError, match=rf"ground-truth class ids \[2\] are not classes of '{name}'"
    ):
        VIDEvaluator(name)  # at construction, before any inference


# --- distributed: 2 gloo processes ------------------------------------------------------------

# rank 0 / rank 1 frames: video 0 split across ranks, videos 1 and 2 whole on rank 1
RANK_FRAMES = ([(0, 0), (0, 1), (0, 2)], [(0, 3), (1, 0), (1, 1), (1, 2), (2, 0), (2, 1)])


def _evaluate_rank(rank, name, out_dir):
    _, preds = _random_case()
    frames = [(v, f, preds[(v, f)]) for v, f in RANK_FRAMES[rank]]
    return _evaluate(name, frames, output_dir=str(out_dir / f"rank{rank}"))


def test_two_processes_give_the_single_process_metrics(register, tmp_path):
    dicts, preds = _random_case()
    name = register(dicts, thing_dataset_id_to_contiguous_id=ID_MAP)
    fn = functools.partial(_evaluate_rank, name=name, out_dir=tmp_path)
    rank0, rank1 = run_on_ranks(fn, tmp_path)
    single = _evaluate(name, [(v, f, inst) for (v, f), inst in preds.items()])
    assert rank0 == single
    assert not any(math.isnan(x) for x in single["bbox"].values())
    assert rank1 == {}
    assert (tmp_path / "rank0" / "vid_detections.json").exists()
    assert not (tmp_path / "rank1").exists()


def test_undefined_area_metrics_are_nan_with_a_reason(register):
    name = register(_video(0, [[_ann([0, 0, 100, 100])]]))  # one large box: no small, no medium
    evaluator = VIDEvaluator(name)
    evaluator.reset()
    frame = {"video_id": 0, "frame_id": 0}
    evaluator.process([frame], [{"instances": _instances([[0, 0, 100, 100]], [0.5])}])
    out = evaluator.evaluate()
    assert math.isnan(out["bbox"]["bbox_mAP_s"]) and math.isnan(out["bbox"]["bbox_mAP_m"])
    reasons = evaluator.undefined_reasons["bbox"]
    assert sorted(reasons) == ["bbox_mAP_m", "bbox_mAP_s"]
    assert reasons["bbox_mAP_s"].startswith("no small ground-truth box (area < 32^2)")
    assert reasons["bbox_mAP_m"].startswith("no medium ground-truth box (32^2 <= area < 96^2)")
