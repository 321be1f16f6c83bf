"""Single object tracking: OPE (MMTracking 0.x ``eval_sot_ope`` or the LaSOT toolkit) and VOT
(MMTracking 0.x ``eval_sot_eao`` / accuracy-robustness on the VOT toolkit's overlaps)."""

from .evaluator import SOTEvaluator, VOTEvaluator
from .ope_files import evaluate_sot_files
from .vot_files import evaluate_vot_files

__all__ = ["SOTEvaluator", "VOTEvaluator", "evaluate_sot_files", "evaluate_vot_files"]
