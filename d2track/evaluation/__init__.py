"""DatasetEvaluators for video tasks (filled by the evaluation issue)."""
