"""Scoring COCO detection results of a CocoVID (or COCO) ground truth with pycocotools, as
MMDetection 2's ``CocoDataset.evaluate`` (maxDets 100/300/1000) or Detectron2's
``COCOEvaluator`` (1/10/100) (:func:`.evaluator.run_coco_eval`).
"""

import numpy as np

from d2track.utils.input_files import InputFileError

from ..results_io import load_json, plain_numbers
from .evaluator import DETECTRON2_MAX_DETS, MMDET_MAX_DETS, coco_eval_metrics, run_coco_eval

__all__ = ["VID_MAX_DETS", "evaluate_vid_files"]

_VID_REFERENCE = {
    "mmdet": "MMDetection 2 CocoDataset.evaluate (pycocotools COCOeval, maxDets 100/300/1000)",
    "detectron2": "Detectron2 COCOEvaluator (pycocotools COCOeval, maxDets 1/10/100)",
}
VID_MAX_DETS = {
    "mmdet": MMDET_MAX_DETS,
    "detectron2": DETECTRON2_MAX_DETS,
}


def _field(path, where, record, key, check, expected):
    if not isinstance(record, dict) or key not in record:
        raise InputFileError(path, f"{where}: missing field {key!r}")
    if not check(record[key]):
        raise InputFileError(path, f"{where}.{key}: expected {expected}, got {record[key]!r}")
    return record[key]


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)


def _is_box(v):
    return isinstance(v, list) and len(v) == 4 and all(map(_is_number, v)) and min(v[2:]) >= 0


def _is_id(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _coco_gt(path, data):
    if not isinstance(data, dict):
        raise InputFileError(path, "expected a json object with images/annotations/categories")
    for key in ("images", "annotations", "categories"):
        if not isinstance(data.get(key), list):
            raise InputFileError(path, f"field {key!r}: expected a list")
    images = [
        {"id": _field(path, f"images[{i}]", im, "id", _is_id, "an int"), **_hw(im)}
        for i, im in enumerate(data["images"])
    ]
    categories = [
        {
            "id": _field(path, f"categories[{i}]", c, "id", _is_id, "an int"),
            "name": str(c.get("name", c["id"])),
        }
        for i, c in enumerate(data["categories"])
    ]
    image_ids, category_ids = {im["id"] for im in images}, {c["id"] for c in categories}
    annotations = [
        _coco_annotation(path, f"annotations[{i}]", a, i, image_ids, category_ids)
        for i, a in enumerate(data["annotations"])
    ]
    return {"images": images, "categories": categories, "annotations": annotations}


def _hw(image):
    return {k: image[k] for k in ("height", "width") if k in image}


def _coco_annotation(path, where, ann, index, image_ids, category_ids):
    box = _field(path, where, ann, "bbox", _is_box, "[x, y, w, h] with w, h >= 0")
    area = ann.get("area", box[2] * box[3])
    if not _is_number(area):
        raise InputFileError(path, f"{where}.area: expected a number, got {area!r}")
    return {
        "id": ann.get("id", index + 1),
        "image_id": _field(path, where, ann, "image_id", image_ids.__contains__, "a gt image id"),
        "category_id": _field(
            path, where, ann, "category_id", category_ids.__contains__, "a gt category id"
        ),
        "bbox": box,
        "area": float(area),
        "iscrowd": int(bool(ann.get("iscrowd", 0))),
    }


def _coco_detections(path, data, gt):
    if not isinstance(data, list):
        raise InputFileError(path, "expected a json list of detections")
    image_ids = {im["id"] for im in gt["images"]}
    category_ids = {c["id"] for c in gt["categories"]}
    checks = (
        ("image_id", image_ids.__contains__, "a gt image id"),
        ("category_id", category_ids.__contains__, "a gt category id"),
        ("bbox", _is_box, "[x, y, w, h] with w, h >= 0"),
        ("score", _is_number, "a finite number"),
    )
    return [
        {key: _field(path, f"[{i}]", d, key, check, what) for key, check, what in checks}
        for i, d in enumerate(data)
    ]


def evaluate_vid_files(gt_path, results_path, *, max_dets="mmdet", per_category=False):
    """Score COCO detection results of a CocoVID (or COCO) ground truth, every frame an image.

    Args:
        gt_path (str): CocoVID json (``images``, ``annotations`` with XYWH ``bbox``, optional
            ``area`` and ``iscrowd``, ``categories``).
        results_path (str): json list of ``{"image_id", "category_id", "bbox", "score"}``.
        max_dets (str): ``"mmdet"`` (100, 300, 1000) or ``"detectron2"`` (1, 10, 100).
        per_category (bool): also ``AP-<category name>``.

    Returns:
        dict: ``bbox_mAP``, ``bbox_mAP_50``, ... (percent, NaN when undefined), ``max_dets``,
        ``num_detections`` and ``reference``.
    """
    if max_dets not in VID_MAX_DETS:
        raise ValueError(f"max_dets must be one of {sorted(VID_MAX_DETS)}, got {max_dets!r}")
    gt = _coco_gt(gt_path, load_json(gt_path)[0])
    detections = _coco_detections(results_path, load_json(results_path)[0], gt)
    coco_eval = run_coco_eval(gt, detections, VID_MAX_DETS[max_dets])
    out = coco_eval_metrics(coco_eval, gt, per_category=per_category)
    out.update(
        max_dets=list(VID_MAX_DETS[max_dets]),
        num_detections=len(detections),
        reference=_VID_REFERENCE[max_dets],
    )
    return plain_numbers(out)
