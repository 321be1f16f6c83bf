"""Multiple object tracking: HOTA, CLEAR and Identity as TrackEval 1.3 computes them."""

from .evaluator import MOTEvaluator
from .files import evaluate_mot_files

__all__ = ["MOTEvaluator", "evaluate_mot_files"]
