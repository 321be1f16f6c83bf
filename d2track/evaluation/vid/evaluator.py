"""Video object detection (VID) evaluation: COCO-style bbox AP over all frames of the videos.

Matches MMTracking 0.x ``CocoVideoDataset.evaluate(metric="bbox")`` (open-mmlab/mmtracking,
``mmtrack/datasets/coco_video_dataset.py``), that is MMDetection 2.x ``CocoDataset.evaluate``
(``mmdet/datasets/coco.py``) running pycocotools' ``COCOeval`` over every frame;
``max_dets=DETECTRON2_MAX_DETS`` gives Detectron2's ``COCOEvaluator`` numbers.

Conventions (maxDets, units, ``iscrowd``/``ignore``, class ids): docs/evaluation.md#vid
"""

import contextlib
import io
import logging
import os

import numpy as np
from detectron2.data import MetadataCatalog
from detectron2.structures import BoxMode

from d2track.utils.file_io import dump_json

from ..video_evaluator import VideoEvaluator

__all__ = [
    "VIDEvaluator",
    "coco_eval_metrics",
    "run_coco_eval",
    "MMDET_MAX_DETS",
    "DETECTRON2_MAX_DETS",
]
__all__ += ["VID_METRICS", "vid_undefined_reasons"]

logger = logging.getLogger(__name__)

#: maxDets of MMDetection 2 / MMTracking (``proposal_nums``) and of Detectron2 / pycocotools.
MMDET_MAX_DETS = (100, 300, 1000)
DETECTRON2_MAX_DETS = (1, 10, 100)
#: Names of ``COCOeval.stats[0:6]``.
VID_METRICS = ("bbox_mAP", "bbox_mAP_50", "bbox_mAP_75", "bbox_mAP_s", "bbox_mAP_m", "bbox_mAP_l")
_REQUIRED_FIELDS = ("bbox", "bbox_mode", "category_id")
_BOX_MODES = (BoxMode.XYXY_ABS, BoxMode.XYWH_ABS)


class VIDEvaluator(VideoEvaluator):
    """COCO-style bbox AP of per-frame detections over the evaluated videos.

    Conventions: docs/evaluation.md#vid
    """

    task = "bbox"

    def __init__(
        self,
        dataset_name,
        *,
        output_dir=None,
        distributed=True,
        max_dets=MMDET_MAX_DETS,
        per_category=False,
        ignore_as_crowd=False,
    ):
        """
        Args:
            dataset_name (str): a registered CocoVID-style dataset.
            output_dir (str or None): where ``vid_detections.json`` (COCO results) is written.
            distributed (bool): gather the frames of all ranks to rank 0.
            max_dets (tuple[int, int, int]): ``COCOeval.params.maxDets``; increasing, with 100
                among them. Default MMDetection's, :data:`DETECTRON2_MAX_DETS` for Detectron2's.
            per_category (bool): also report ``AP-<class name>``.
            ignore_as_crowd (bool): treat annotations flagged ``ignore`` as crowd regions.
        """
        self.max_dets = _check_max_dets(max_dets)
        self.per_category = per_category
        self.ignore_as_crowd = ignore_as_crowd
        super().__init__(dataset_name, output_dir=output_dir, distributed=distributed)

    def check_dependencies(self):
        try:
            import pycocotools.cocoeval  # noqa: F401
        except ImportError as e:
            raise ImportError(f"{type(self).__name__} needs pycocotools: {e}") from e

    def check_ground_truth(self):
        # the metadata is complete once the dataset is loaded (CocoVID loading fills it)
        meta = MetadataCatalog.get(self.dataset_name)
        id_map = meta.get("thing_dataset_id_to_contiguous_id", None)
        self._to_dataset_id = {v: k for k, v in id_map.items()} if id_map else None
        self._class_names = list(meta.get("thing_classes", None) or [])
        image_ids = set()
        for record in self.dataset_dicts:
            image_id = record.get("image_id")
            if image_id is None or image_id in image_ids:
                problem = "has no" if image_id is None else f"repeats {image_id} as"
                raise ValueError(f"{self._where(record)}: the frame {problem} 'image_id'")
            image_ids.add(image_id)
            for k, ann in enumerate(record.get("annotations", [])):
                missing = [f for f in _REQUIRED_FIELDS if f not in ann]
                if missing:
                    raise ValueError(f"{self._where(record, k)}: missing field {missing[0]!r}")
                if ann["bbox_mode"] not in _BOX_MODES:
                    raise ValueError(
                        f"{self._where(record, k)}: 'bbox_mode' {ann['bbox_mode']!r} is not "
                        "supported (XYXY_ABS or XYWH_ABS)"
                    )
        gt_classes = [
            a["category_id"] for d in self.dataset_dicts for a in d.get("annotations", [])
        ]
        self._class_map(gt_classes, [], kind="ground-truth")

    def _where(self, record, k=None):
        where = f"dataset {self.dataset_name!r}, video_id {record['video_id']}, "
        where += f"frame_id {record['frame_id']} ({record.get('file_name', 'no file_name')})"
        return where if k is None else f"{where}, annotation {k}"

    def process_frame(self, input, output):
        """Keep the frame's detections as numpy: boxes (N, 4) XYXY, scores (N,), classes (N,)."""
        instances = output["instances"].to("cpu")
        return {
            "boxes": instances.pred_boxes.tensor.numpy(),
            "scores": instances.scores.numpy(),
            "classes": instances.pred_classes.numpy(),
        }

    def evaluate_videos(self, records):
        frames = self._frames(records)
        classes = _concat([r["classes"] for _, r in frames if r is not None], np.int64)
        to_dataset_id, names = self._categories(frames, classes)
        gt = _coco_gt([d for d, _ in frames], to_dataset_id, names, self.ignore_as_crowd)
        detections = _coco_results(frames, to_dataset_id)
        if self.output_dir:
            dump_json(detections, os.path.join(self.output_dir, "vid_detections.json"))
        if not detections:
            logger.warning(f"VIDEvaluator on {self.dataset_name}: no detections; every AP is 0")
        coco_eval = run_coco_eval(gt, detections, self.max_dets)
        results = coco_eval_metrics(coco_eval, gt, per_category=self.per_category)
        self.undefined_reasons = {self.task: vid_undefined_reasons(results)}
        return {self.task: results}

    def _frames(self, records):
        """Return [(dataset dict, record or None)] of every frame of the evaluated videos."""
        frames = []
        for video_id, by_frame in records.items():
            dicts = self.video_frames[video_id]  # the base checked that by_frame's are in there
            frames += [(d, by_frame.get(d["frame_id"])) for d in dicts]
        return frames

    def _categories(self, frames, pred_classes):
        """Return ({class index: dataset category id}, {dataset category id: name})."""
        gt_classes = [a["category_id"] for d, _ in frames for a in d.get("annotations", [])]
        mapping = self._class_map(gt_classes, pred_classes, kind="predicted")
        names = {
            d: self._class_names[k] if k < len(self._class_names) else str(d)
            for k, d in mapping.items()
        }
        return mapping, names

    def _class_map(self, gt_classes, pred_classes, *, kind):
        """{class index: dataset category id}; raise naming ``kind`` ids that it lacks."""
        if self._to_dataset_id is not None:
            mapping = dict(self._to_dataset_id)
        elif self._class_names:
            mapping = {k: k for k in range(len(self._class_names))}
        else:  # no metadata: class indices are the category ids
            ids = np.unique(np.r_[np.asarray(gt_classes, np.int64), pred_classes])
            mapping = {int(k): int(k) for k in ids}
        checked = pred_classes if kind == "predicted" else gt_classes
        unknown = sorted(set(np.unique(np.asarray(checked, np.int64)).tolist()) - set(mapping))
        if unknown:
            raise ValueError(
                f"{kind} class ids {unknown} are not classes of {self.dataset_name!r} "
                f"(metadata classes: {sorted(mapping)})"
            )
        return mapping


def _check_max_dets(max_dets):
    max_dets = tuple(int(m) for m in max_dets)
    if len(max_dets) != 3 or list(max_dets) != sorted(set(max_dets)) or 100 not in max_dets:
        raise ValueError(
            f"max_dets must be 3 increasing numbers including 100 (pycocotools reads mAP at "
            f"100), e.g. {MMDET_MAX_DETS} or {DETECTRON2_MAX_DETS}; got {max_dets}"
        )
    return max_dets


def _concat(arrays, dtype):
    return np.concatenate(arrays).astype(dtype) if arrays else np.zeros(0, dtype)


def _coco_gt(dicts, to_dataset_id, names, ignore_as_crowd):
    """Return a COCO ground-truth dict (images, categories, annotations) of the frames."""
    anns = [a for d in dicts for a in d.get("annotations", [])]
    image_ids = [d["image_id"] for d in dicts for _ in d.get("annotations", [])]
    xywh = _boxes_to_xywh(anns)
    annotations = [
        {
            "id": i + 1,  # COCOeval needs ids > 0
            "image_id": image_id,
            "category_id": to_dataset_id[a["category_id"]],
            "bbox": box,
            "area": float(a.get("area", box[2] * box[3])),
            "iscrowd": int(bool(a.get("iscrowd", 0) or (ignore_as_crowd and a.get("ignore")))),
        }
        for i, (a, image_id, box) in enumerate(zip(anns, image_ids, xywh.tolist()))
    ]
    images = [
        {"id": d["image_id"], "height": d.get("height"), "width": d.get("width")} for d in dicts
    ]
    categories = [{"id": c, "name": names[c]} for c in sorted(names)]
    return {"images": images, "categories": categories, "annotations": annotations}


def _boxes_to_xywh(anns):
    """(N, 4) float64 XYWH_ABS boxes of the annotations, converted per bbox_mode at once."""
    out = np.zeros((len(anns), 4), dtype=np.float64)
    modes = [BoxMode(a["bbox_mode"]) for a in anns]
    for mode in set(modes):
        index = [i for i, m in enumerate(modes) if m == mode]
        boxes = np.asarray([anns[i]["bbox"] for i in index], dtype=np.float64)
        out[index] = BoxMode.convert(boxes, mode, BoxMode.XYWH_ABS)
    return out


def _coco_results(frames, to_dataset_id):
    """Return the COCO results list (image_id, category_id, XYWH bbox, score) of the frames."""
    results = []
    for record, pred in frames:
        if pred is None or len(pred["scores"]) == 0:
            continue
        boxes = np.asarray(pred["boxes"], dtype=np.float64).copy()
        boxes[:, 2:] -= boxes[:, :2]
        results += [
            {"image_id": record["image_id"], "category_id": to_dataset_id[c], "bbox": b, "score": s}
            for b, s, c in zip(boxes.tolist(), pred["scores"].tolist(), pred["classes"].tolist())
        ]
    return results


def run_coco_eval(gt, detections, max_dets):
    """Run pycocotools' bbox ``COCOeval`` (evaluate, accumulate, summarize) on in-memory dicts.

    Args:
        gt (dict): COCO ground truth (``images``, ``categories``, ``annotations``).
        detections (list[dict]): COCO results; may be empty.
        max_dets (tuple[int, int, int]): ``params.maxDets``.

    Returns:
        COCOeval: with ``stats`` (12,) and ``eval["precision"]`` (T, R, K, A, M).
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    summary = io.StringIO()
    with contextlib.redirect_stdout(summary):
        coco_gt = COCO()
        coco_gt.dataset = gt
        coco_gt.createIndex()
        if detections:
            coco_dt = coco_gt.loadRes([dict(d) for d in detections])
        else:  # loadRes([]) raises IndexError
            coco_dt = COCO()
            coco_dt.dataset = {k: v for k, v in gt.items() if k != "annotations"}
            coco_dt.dataset["annotations"] = []
            coco_dt.createIndex()
        coco_eval = COCOeval(coco_gt, coco_dt, "bbox")
        coco_eval.params.maxDets = list(max_dets)
        coco_eval.evaluate()
        coco_eval.accumulate()
        coco_eval.summarize()
    logger.info("COCOeval bbox:\n" + summary.getvalue())
    return coco_eval


def coco_eval_metrics(coco_eval, gt, *, per_category=False):
    """MMDetection's names for an evaluated ``COCOeval``: ``bbox_mAP``, ... in percent.

    Args:
        coco_eval (COCOeval): after ``summarize()``.
        gt (dict): the COCO ground truth it ran on (for category names).
        per_category (bool): add ``AP-<category name>``.
    """
    results = {name: _percent(coco_eval.stats[i]) for i, name in enumerate(VID_METRICS)}
    if per_category:
        results.update(_per_category_ap(coco_eval, gt))
    return results


_UNDEFINED_VID = {
    "bbox_mAP_s": "no small ground-truth box (area < 32^2) in the evaluated frames",
    "bbox_mAP_m": "no medium ground-truth box (32^2 <= area < 96^2) in the evaluated frames",
    "bbox_mAP_l": "no large ground-truth box (area >= 96^2) in the evaluated frames",
}


def vid_undefined_reasons(results):
    """Why each NaN metric of :func:`coco_eval_metrics` is undefined: ``{metric: reason}``."""
    reasons = {}
    for name, value in results.items():
        if value != value:  # NaN: COCOeval found no (non-crowd) ground truth to average over
            if name.startswith("AP-"):
                reasons[name] = "no ground-truth box of this category in the evaluated frames"
            else:
                reasons[name] = _UNDEFINED_VID.get(
                    name, "no (non-crowd) ground-truth box in the evaluated frames"
                )
    return reasons


def _percent(stat):
    return float(stat * 100) if stat >= 0 else float("nan")


def _per_category_ap(coco_eval, gt):
    precision = coco_eval.eval["precision"]  # (T, R, K, A, M), categories in sorted id order
    names = {c["id"]: c["name"] for c in gt["categories"]}
    results = {}
    for k, cat_id in enumerate(coco_eval.params.catIds):
        p = precision[:, :, k, 0, -1]
        p = p[p > -1]
        results[f"AP-{names[cat_id]}"] = float(np.mean(p) * 100) if p.size else float("nan")
    return results
