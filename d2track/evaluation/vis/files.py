"""Scoring YouTube-VIS results (a json, or a CodaLab zip holding ``results.json``) with the
YouTube-VIS API (:mod:`.ytvis_eval`).
"""

import os
import zipfile

from d2track.utils.input_files import InputFileError, require_file

from ..results_io import load_json, plain_numbers
from .ytvis_eval import evaluate_ytvis, load_ytvis_gt

__all__ = ["evaluate_vis_files"]

_VIS_REFERENCE = "YouTube-VIS API (youtubevos/cocoapi ytvoseval)"


def _load_vis_results(path):
    require_file(path, "results file")
    if not zipfile.is_zipfile(path):
        return load_json(path)
    with zipfile.ZipFile(path) as archive:
        members = [n for n in archive.namelist() if os.path.basename(n) == "results.json"]
    if len(members) != 1:
        raise InputFileError(path, f"a submission zip needs one results.json, has {members}")
    return load_json(path, members[0])


def evaluate_vis_files(gt_path, results_path, *, per_category=False, iou_type="segm"):
    """Score YouTube-VIS results (a json, or a CodaLab zip holding ``results.json``).

    Args:
        gt_path (str): YouTube-VIS ground-truth json.
        results_path (str): results json, or a zip holding one ``results.json``.
        per_category (bool): also ``AP-<category name>``.
        iou_type (str): ``"segm"`` or ``"bbox"``.

    Returns:
        dict: the 12 :data:`~d2track.evaluation.vis.ytvis_eval.STAT_NAMES` (fractions, -1 when
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
    return plain_numbers(dict(stats, iou_type=iou_type, reference=_VIS_REFERENCE))
