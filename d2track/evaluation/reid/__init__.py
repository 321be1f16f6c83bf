"""Re-identification: mAP and CMC as MMTracking's ``ReIDDataset.evaluate``."""

from .evaluator import ReIDEvaluator

__all__ = ["ReIDEvaluator"]
