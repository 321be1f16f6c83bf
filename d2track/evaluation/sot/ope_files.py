"""Scoring one-pass-evaluation (OPE) result files: ``<video>.txt`` of ``x,y,w,h`` lines, scored
as MMTracking 0.x ``eval_sot_ope`` or the LaSOT toolkit (:mod:`.ope_metrics`).
"""

import os

from d2track.utils.input_files import InputFileError, require_dir, require_file

from ..results_io import list_txt_names, plain_numbers, unscored_names
from .ope_metrics import evaluate_ope
from .txt_io import read_boxes, read_visibility

__all__ = ["evaluate_sot_files"]

_SOT_REFERENCE = {
    "mmtracking": "MMTracking 0.x eval_sot_ope",
    "lasot": "LaSOT toolkit (HengLan/LaSOT_Evaluation_Toolkit)",
}


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
        ignored_results=unscored_names(list_txt_names(results_dir), names),
    )
    return plain_numbers(out)
