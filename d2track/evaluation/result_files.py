"""Scoring result files already on disk, one function per task (what ``tools/evaluate_results.py``
runs).

Each function reads the benchmark's official files, calls the task's metric module and returns
plain Python numbers (lists, not arrays; JSON-ready) under the reference tool's metric names, with
a ``"reference"`` entry naming the tool and convention the numbers match:

* MOT: :func:`evaluate_mot_files`, TrackEval 1.3 (``MotChallenge2DBox`` preprocessing by
  :mod:`~d2track.evaluation.mot_data`, HOTA/CLEAR/Identity by
  :mod:`~d2track.evaluation.mot_metrics`), or py-motmetrics' definitions where they differ.
* SOT OPE: :func:`evaluate_sot_files`, MMTracking 0.x ``eval_sot_ope`` or the LaSOT toolkit
  (:mod:`~d2track.evaluation.sot_metrics`).
* VOT: :func:`evaluate_vot_files`, MMTracking 0.x ``eval_sot_eao`` /
  ``eval_sot_accuracy_robustness`` with the VOT toolkit's overlaps
  (:mod:`~d2track.evaluation.vot_metrics`).
* VIS: :func:`evaluate_vis_files`, the YouTube-VIS API (:mod:`~d2track.evaluation.ytvis_eval`).
* VID: :func:`evaluate_vid_files`, MMDetection 2's or Detectron2's ``COCOeval`` bbox numbers
  (:func:`~d2track.evaluation.vid_evaluator.run_coco_eval`).

Conventions:
    * MOT values are TrackEval's raw numbers (fractions, counts as ints); the tool prints them in
      percent as TrackEval's summary does. SOT values are percentages (as MMTracking), VOT accuracy
      and EAO fractions, robustness failures per 100 frames, VIS fractions (-1 when undefined),
      VID percentages (NaN when undefined), each as its metric module documents.
    * Result files the ground truth does not ask for are not scored; their names are returned
      under ``"ignored_results"`` (the caller warns). A missing result file is an error.
    * Every input error is a :class:`~d2track.utils.input_files.InputFileError`
      naming the file and, where there is one, the line (or the json record and field).
"""

import json
import os
import zipfile

import numpy as np

from d2track.utils.input_files import (
    InputFileError,
    read_lines,
    read_text,
    require_dir,
    require_file,
)
from d2track.utils.utf8 import utf8_error_message

from . import vid_evaluator
from .mot_data import BENCHMARKS, load_trackeval_layout, preprocess_sequence
from .mot_metrics import evaluate_mot
from .sot_io import list_txt_names, read_boxes, read_visibility, read_vot_results
from .sot_metrics import evaluate_ope
from .vot_metrics import VOT_INTERVALS, VOTInputError, evaluate_vot, parse_trajectory
from .ytvis_eval import evaluate_ytvis, load_ytvis_gt

__all__ = [
    "evaluate_mot_files",
    "evaluate_sot_files",
    "evaluate_vot_files",
    "find_vot_image_size",
    "evaluate_vis_files",
    "evaluate_vid_files",
]

_MOT_REFERENCE = {
    "trackeval": "TrackEval 1.3 MotChallenge2DBox + HOTA/CLEAR/Identity",
    "motmetrics": "py-motmetrics 1.4 definitions (on TrackEval's matching; see not_reproduced)",
}
_SOT_REFERENCE = {
    "mmtracking": "MMTracking 0.x eval_sot_ope",
    "lasot": "LaSOT toolkit (HengLan/LaSOT_Evaluation_Toolkit)",
}
_VOT_REFERENCE = "MMTracking 0.x eval_sot_eao/eval_sot_accuracy_robustness (VOT toolkit overlaps)"
_VIS_REFERENCE = "YouTube-VIS API (youtubevos/cocoapi ytvoseval)"
_VID_REFERENCE = {
    "mmdet": "MMDetection 2 CocoDataset.evaluate (pycocotools COCOeval, maxDets 100/300/1000)",
    "detectron2": "Detectron2 COCOEvaluator (pycocotools COCOeval, maxDets 1/10/100)",
}
VID_MAX_DETS = {
    "mmdet": vid_evaluator.MMDET_MAX_DETS,
    "detectron2": vid_evaluator.DETECTRON2_MAX_DETS,
}
_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp")


def _plain(value):
    """Arrays and numpy scalars -> lists and Python numbers, recursively."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _ignored(names, wanted):
    return sorted(set(names) - set(wanted))


# ------------------------------------------------------------------------------------------------
# MOT


def evaluate_mot_files(
    gt_dir, results_dir, *, benchmark="MOT17", do_preproc=True, convention="trackeval"
):
    """Score MOTChallenge result files laid out as TrackEval expects.

    Args:
        gt_dir (str): ``<gt_dir>/<seq>/gt/gt.txt`` (+ ``<seq>/seqinfo.ini``) per sequence.
        results_dir (str): ``<results_dir>/<seq>.txt`` per sequence.
        benchmark (str): one of MOT15/16/17/20 (MOT15 is never preprocessed).
        do_preproc (bool): TrackEval's distractor preprocessing.
        convention (str): ``"trackeval"`` or ``"motmetrics"`` (see ``mot_metrics``).

    Returns:
        dict: :func:`~d2track.evaluation.mot_metrics.evaluate_mot`'s output (``per_sequence``,
        ``combined``, ``convention``, ``convention_differences``, ``not_reproduced``; TrackEval's
        metric names, rates as fractions) plus ``reference``, ``benchmark``, ``do_preproc`` and
        ``ignored_results``.
    """
    if benchmark not in BENCHMARKS:
        raise ValueError(f"benchmark must be one of {BENCHMARKS}, got {benchmark!r}")
    sequences = load_trackeval_layout(gt_dir, results_dir)
    datas = {
        name: preprocess_sequence(seq, benchmark=benchmark, do_preproc=do_preproc)
        for name, seq in sequences.items()
    }
    out = evaluate_mot(datas, convention=convention)
    out.update(
        reference=_MOT_REFERENCE[convention],
        benchmark=benchmark,
        do_preproc=bool(do_preproc),
        ignored_results=_ignored(list_txt_names(results_dir), sequences),
    )
    return _plain(out)


# ------------------------------------------------------------------------------------------------
# SOT (OPE)


def _read_video_boxes(path, *, length=None, gt_path=None):
    boxes = read_boxes(path, allow_polygons=False)
    if len(boxes) == 0:
        raise InputFileError(path, "no boxes (empty file)")
    if length is not None and len(boxes) != length:
        raise InputFileError(
            path, f"{len(boxes)} lines for the {length} frames of the ground truth {gt_path}"
        )
    return boxes


def _read_visible(path, length, gt_path):
    visible = read_visibility(require_file(path, "visibility file"))
    if len(visible) != length:
        raise InputFileError(
            path, f"{len(visible)} flags for the {length} frames of the ground truth {gt_path}"
        )
    return visible


def evaluate_sot_files(gt_dir, results_dir, *, visible_dir=None, protocol="mmtracking"):
    """Score one-pass-evaluation (OPE) result files.

    Args:
        gt_dir (str): ``<gt_dir>/<video>.txt``, one ``x,y,w,h`` line per frame.
        results_dir (str): ``<results_dir>/<video>.txt``, same format and length.
        visible_dir (str or None): ``<visible_dir>/<video>.txt``, one 0/1 per frame.
        protocol (str): ``"mmtracking"`` or ``"lasot"``.

    Returns:
        dict: ``success``, ``precision``, ``norm_precision`` (percent), ``curves`` and
        ``thresholds`` (lists), ``per_video`` (name -> headline numbers, ``num_frames`` and
        ``curves``), ``protocol``, ``reference`` and ``ignored_results``.
    """
    names = list_txt_names(gt_dir)
    if not names:
        raise InputFileError(gt_dir, "no <video>.txt ground-truth file")
    require_dir(results_dir, "results folder")
    gts, results, visible = {}, {}, None if visible_dir is None else {}
    for name in names:
        gt_path = os.path.join(gt_dir, f"{name}.txt")
        gts[name] = _read_video_boxes(gt_path)
        path = require_file(os.path.join(results_dir, f"{name}.txt"), f"results of video {name}")
        results[name] = _read_video_boxes(path, length=len(gts[name]), gt_path=gt_path)
        if visible_dir is not None:
            path = os.path.join(visible_dir, f"{name}.txt")
            visible[name] = _read_visible(path, len(gts[name]), gt_path)
    out = evaluate_ope(results, gts, visible=visible, protocol=protocol)
    out.update(
        protocol=protocol,
        reference=_SOT_REFERENCE[protocol],
        ignored_results=_ignored(list_txt_names(results_dir), names),
    )
    return _plain(out)


# ------------------------------------------------------------------------------------------------
# VOT


def _vot_sequences(gt_dir):
    """{name: gt file}; the VOT layout ``<seq>/groundtruth.txt`` if present, else ``<seq>.txt``."""
    require_dir(gt_dir, "ground-truth folder")
    folders = sorted(
        n for n in os.listdir(gt_dir) if os.path.isfile(os.path.join(gt_dir, n, "groundtruth.txt"))
    )
    if folders:
        return {n: os.path.join(gt_dir, n, "groundtruth.txt") for n in folders}
    names = list_txt_names(gt_dir)
    if not names:
        raise InputFileError(gt_dir, "no <seq>.txt or <seq>/groundtruth.txt ground truth")
    return {n: os.path.join(gt_dir, f"{n}.txt") for n in names}


def _first_image(folder):
    if not os.path.isdir(folder):
        return None
    images = sorted(n for n in os.listdir(folder) if n.lower().endswith(_IMAGE_EXTENSIONS))
    return os.path.join(folder, images[0]) if images else None


def _read_image_sizes(path):
    try:
        sizes = json.loads(read_text(path, "image sizes file"))
    except json.JSONDecodeError as e:
        raise InputFileError(path, f"invalid json: {e.msg}", e.lineno) from None
    if not isinstance(sizes, dict):
        raise InputFileError(path, 'expected a json object {"<seq>": [W, H]}')
    for name, size in sizes.items():
        ok = isinstance(size, list) and len(size) == 2
        if not (ok and all(isinstance(v, int) and not isinstance(v, bool) for v in size)):
            raise InputFileError(path, f"{name!r}: expected [W, H] integers, got {size!r}")
        if min(size) < 1:
            raise InputFileError(path, f"{name!r}: sizes must be >= 1, got {size!r}")
    return sizes


def find_vot_image_size(gt_dir, name, image_sizes=None, *, image_sizes_path="image_sizes"):
    """``(W, H)`` of a sequence's frames: the first image of ``<gt_dir>/<name>/color/`` or
    ``<gt_dir>/<name>/``, else ``image_sizes[name]``.

    Args:
        gt_dir (str): the ground-truth folder.
        name (str): the sequence.
        image_sizes (dict or None): ``{name: [W, H]}`` read from ``image_sizes_path``.

    Raises:
        InputFileError: naming the sequence when neither gives a size, or an unreadable image.
    """
    from PIL import Image

    seq_dir = os.path.join(gt_dir, name)
    image = _first_image(os.path.join(seq_dir, "color")) or _first_image(seq_dir)
    if image is not None:
        try:
            with Image.open(image) as im:
                return tuple(int(v) for v in im.size)
        except OSError as e:
            raise InputFileError(image, f"cannot read the image size ({e})") from None
    if image_sizes is not None and name in image_sizes:
        return tuple(image_sizes[name])
    where = f"no entry in {image_sizes_path}" if image_sizes is not None else "no --image-sizes"
    raise InputFileError(
        seq_dir,
        f"image size of sequence {name!r} unknown: no image in {seq_dir}[/color] and {where}",
    )


def _vot_results_path(results_dir, name):
    flat = os.path.join(results_dir, f"{name}.txt")
    toolkit = os.path.join(results_dir, name, f"{name}_001.txt")
    if not os.path.isfile(flat) and os.path.isfile(toolkit):
        return toolkit
    return require_file(flat, f"results of sequence {name} (or {toolkit})")


def _raise_at_line(path, error):
    """Re-raise a :class:`VOTInputError` at the line of ``path`` that holds its frame."""
    numbers = [number for number, _ in read_lines(path)]
    line = numbers[error.frame] if error.frame < len(numbers) else None
    raise InputFileError(path, str(error), line) from None


def _read_trajectory(name, path, length, gt_path):
    trajectory = read_vot_results(path)
    if len(trajectory) != length:
        raise InputFileError(
            path, f"{len(trajectory)} lines for the {length} frames of the ground truth {gt_path}"
        )
    try:
        parse_trajectory(name, trajectory)  # code order, named by line
    except VOTInputError as e:
        _raise_at_line(path, e)
    return trajectory


def evaluate_vot_files(gt_dir, results_dir, *, dataset="vot2018", image_sizes_path=None, burnin=10):
    """Score reset-based VOT result files (EAO, accuracy, robustness).

    Args:
        gt_dir (str): ``<gt_dir>/<seq>.txt`` or ``<gt_dir>/<seq>/groundtruth.txt`` (boxes or
            8-value polygons), frames in ``<gt_dir>/<seq>/color/`` or ``<gt_dir>/<seq>/``.
        results_dir (str): ``<results_dir>/<seq>.txt`` or the toolkit's
            ``<results_dir>/<seq>/<seq>_001.txt``: regions and codes 1/2/0.
        dataset (str): a key of :data:`~d2track.evaluation.vot_metrics.VOT_INTERVALS`.
        image_sizes_path (str or None): json ``{"<seq>": [W, H]}`` for sequences without images.
        burnin (int): frames after an initialisation ignored by accuracy.

    Returns:
        dict: ``eao``, ``accuracy``, ``robustness``, ``num_failures``, ``eao_curve``,
        ``per_video``, plus ``dataset``, ``interval``, ``burnin``, ``image_sizes``,
        ``reference`` and ``ignored_results``.
    """
    if dataset not in VOT_INTERVALS:
        raise ValueError(f"dataset must be one of {sorted(VOT_INTERVALS)}, got {dataset!r}")
    sequences = _vot_sequences(gt_dir)
    require_dir(results_dir, "results folder")
    json_sizes = None if image_sizes_path is None else _read_image_sizes(image_sizes_path)
    gts, results, sizes, paths = {}, {}, {}, {}
    for name, gt_path in sequences.items():
        gts[name] = read_boxes(gt_path)
        if len(gts[name]) == 0:
            raise InputFileError(gt_path, "no regions (empty file)")
        paths[name] = _vot_results_path(results_dir, name)
        results[name] = _read_trajectory(name, paths[name], len(gts[name]), gt_path)
        sizes[name] = find_vot_image_size(
            gt_dir, name, json_sizes, image_sizes_path=image_sizes_path
        )
    try:
        out = evaluate_vot(
            results, gts, image_sizes=sizes, interval=VOT_INTERVALS[dataset], burnin=burnin
        )
    except VOTInputError as e:
        if e.video not in paths:
            raise
        _raise_at_line((sequences if e.source == "gt" else paths)[e.video], e)
    listed = set(list_txt_names(results_dir)) | {
        n for n in os.listdir(results_dir) if os.path.isdir(os.path.join(results_dir, n))
    }
    out.update(
        dataset=dataset,
        interval=VOT_INTERVALS[dataset],
        burnin=burnin,
        image_sizes=sizes,
        reference=_VOT_REFERENCE,
        ignored_results=_ignored(listed, sequences),
    )
    return _plain(out)


# ------------------------------------------------------------------------------------------------
# VIS


def _decode_member(data, source):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line, message = utf8_error_message(data, e)
        raise InputFileError(source, message, line) from None


def _load_json(path, member=None):
    """Parse a json file, or ``member`` of a zip; errors name ``path[!member]:line``."""
    source = path if member is None else f"{path}!{member}"
    try:
        if member is None:
            return json.loads(read_text(path, "json file")), source
        with zipfile.ZipFile(path) as archive:
            return json.loads(_decode_member(archive.read(member), source)), source
    except json.JSONDecodeError as e:
        raise InputFileError(source, f"invalid json: {e.msg}", e.lineno) from None
    except UnicodeDecodeError as e:
        raise InputFileError(source, f"not utf-8 text ({e.reason})") from None


def _load_vis_results(path):
    require_file(path, "results file")
    if not zipfile.is_zipfile(path):
        return _load_json(path)
    with zipfile.ZipFile(path) as archive:
        members = [n for n in archive.namelist() if os.path.basename(n) == "results.json"]
    if len(members) != 1:
        raise InputFileError(path, f"a submission zip needs one results.json, has {members}")
    return _load_json(path, members[0])


def evaluate_vis_files(gt_path, results_path, *, per_category=False, iou_type="segm"):
    """Score YouTube-VIS results (a json, or a CodaLab zip holding ``results.json``).

    Args:
        gt_path (str): YouTube-VIS ground-truth json.
        results_path (str): results json, or a zip holding one ``results.json``.
        per_category (bool): also ``AP-<category name>``.
        iou_type (str): ``"segm"`` or ``"bbox"``.

    Returns:
        dict: the 12 :data:`~d2track.evaluation.ytvis_eval.STAT_NAMES` (fractions, -1 when
        undefined), ``AP-<category>`` with ``per_category``, ``iou_type`` and ``reference``.
    """
    gt = load_ytvis_gt(gt_path, iou_type=iou_type)
    results, source = _load_vis_results(results_path)
    stats = evaluate_ytvis(
        gt,
        results,
        iou_type=iou_type,
        per_category=per_category,
        gt_source=gt_path,
        results_source=source,
    )
    return _plain(dict(stats, iou_type=iou_type, reference=_VIS_REFERENCE))


# ------------------------------------------------------------------------------------------------
# VID


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
    gt = _coco_gt(gt_path, _load_json(gt_path)[0])
    detections = _coco_detections(results_path, _load_json(results_path)[0], gt)
    coco_eval = vid_evaluator.run_coco_eval(gt, detections, VID_MAX_DETS[max_dets])
    out = vid_evaluator.coco_eval_metrics(coco_eval, gt, per_category=per_category)
    out.update(
        max_dets=list(VID_MAX_DETS[max_dets]),
        num_detections=len(detections),
        reference=_VID_REFERENCE[max_dets],
    )
    return _plain(out)
