"""Video instance segmentation: the official YouTube-VIS API's AP and AR."""

from .evaluator import VISEvaluator
from .files import evaluate_vis_files

__all__ = ["VISEvaluator", "evaluate_vis_files"]
