"""Video evaluators (Detectron2 ``DatasetEvaluator``s), one subpackage per task.

=====================  ===================  ===============================================
subpackage             evaluator            numbers equal
=====================  ===================  ===============================================
:mod:`.vid`            ``VIDEvaluator``     pycocotools bbox AP with MMDetection 2's maxDets
:mod:`.mot`            ``MOTEvaluator``     TrackEval 1.3 (HOTA, CLEAR, Identity)
:mod:`.sot`            ``SOTEvaluator``     MMTracking 0.14 ``eval_sot_ope`` (LaSOT toolkit option)
:mod:`.sot`            ``VOTEvaluator``     MMTracking ``eval_sot_eao`` / accuracy-robustness
:mod:`.vis`            ``VISEvaluator``     the official YouTube-VIS API (cocoapi fork)
:mod:`.reid`           ``ReIDEvaluator``    MMTracking ``ReIDDataset.evaluate`` (mAP, CMC)
=====================  ===================  ===============================================

Each task subpackage holds its evaluator, metrics, result-file IO, the ``evaluate_*_files``
function that scores result files on disk and its part of ``tools/evaluate_results.py``
(``cli.py``). They share :class:`VideoEvaluator` (whole videos per rank, gathered to rank 0),
:mod:`.results_io` and :mod:`.undefined` (a metric the data cannot define is NaN, ``null`` in
JSON, with its reason). Each task's conventions, against its reference's, are tabled in
``docs/evaluation.md``.
"""

from .mot import MOTEvaluator, evaluate_mot_files
from .reid import ReIDEvaluator
from .sot import SOTEvaluator, VOTEvaluator, evaluate_sot_files, evaluate_vot_files
from .vid import VIDEvaluator, evaluate_vid_files
from .video_evaluator import VideoEvaluator
from .vis import VISEvaluator, evaluate_vis_files

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
