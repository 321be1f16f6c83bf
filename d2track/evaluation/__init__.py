"""Video evaluators (Detectron2 ``DatasetEvaluator``s) and the metrics behind them.

=============================  ============================================================
evaluator                      numbers equal
=============================  ============================================================
:class:`VIDEvaluator`          pycocotools bbox AP with MMDetection 2's maxDets (MMTracking VID)
:class:`MOTEvaluator`          TrackEval (HOTA, CLEAR, Identity; py-motmetrics convention option)
:class:`SOTEvaluator`          MMTracking ``eval_sot_ope`` (LaSOT toolkit protocol option)
:class:`VOTEvaluator`          MMTracking ``eval_sot_eao`` / accuracy-robustness (VOT toolkit)
:class:`VISEvaluator`          the official YouTube-VIS API (cocoapi fork)
:class:`ReIDEvaluator`         MMTracking ``ReIDDataset.evaluate`` (mAP, CMC)
=============================  ============================================================

Result files on disk are scored by the ``evaluate_*_files`` functions, behind
``tools/evaluate_results.py``.
"""

from .build import EVALUATORS, build_video_evaluator
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
    "EVALUATORS",
    "build_video_evaluator",
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
