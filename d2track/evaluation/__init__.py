"""Video evaluators (Detectron2 ``DatasetEvaluator``s) and the metrics behind them.

=============================  ============================================================
evaluator                      numbers equal
=============================  ============================================================
:class:`VIDEvaluator`          pycocotools bbox AP with MMDetection 2's maxDets (MMTracking VID)
:class:`MOTEvaluator`          TrackEval (HOTA, CLEAR, Identity; py-motmetrics convention option)
:class:`SOTEvaluator`          MMTracking 0.14 ``eval_sot_ope``, float32 (LaSOT toolkit option)
:class:`VOTEvaluator`          MMTracking ``eval_sot_eao`` / A-R on vot-toolkit 0.5.3 overlaps
:class:`VISEvaluator`          the official YouTube-VIS API (cocoapi fork)
:class:`ReIDEvaluator`         MMTracking ``ReIDDataset.evaluate`` (mAP, CMC)
=============================  ============================================================

Result files on disk are scored by the ``evaluate_*_files`` functions, behind
``tools/evaluate_results.py``. A metric the data cannot define is NaN, ``null`` in JSON files,
with its reason in the evaluator's ``undefined_reasons`` (:mod:`d2track.evaluation.undefined`).
"""

from .mot_evaluator import MOTEvaluator
from .reid_evaluator import ReIDEvaluator
from .result_files import (
    evaluate_mot_files,
    evaluate_sot_files,
    evaluate_vid_files,
    evaluate_vis_files,
    evaluate_vot_files,
)
from .sot_evaluator import SOTEvaluator, VOTEvaluator
from .vid_evaluator import VIDEvaluator
from .video_evaluator import VideoEvaluator
from .vis_evaluator import VISEvaluator

__all__ = [
    "MOTEvaluator",
    "ReIDEvaluator",
    "SOTEvaluator",
    "VOTEvaluator",
    "VIDEvaluator",
    "VideoEvaluator",
    "VISEvaluator",
    "evaluate_mot_files",
    "evaluate_sot_files",
    "evaluate_vid_files",
    "evaluate_vis_files",
    "evaluate_vot_files",
]
