"""Undefined metrics: NaN in an evaluator's results, ``null`` in JSON, a reason in the log.

An evaluator records why a metric is NaN in its ``undefined_reasons`` attribute
(``{task: {metric: reason}}``); :func:`undefined_notes` turns results and reasons into the lines
printed below the results table.

Conventions: docs/evaluation.md#undefined-metrics
"""

import math
import numbers
from collections.abc import Mapping
from typing import Dict, List, Optional

__all__ = ["UNKNOWN_REASON", "collect_undefined_reasons", "undefined_notes"]

UNKNOWN_REASON = "not computable on this data"


def collect_undefined_reasons(evaluator) -> Dict[str, Dict[str, str]]:
    """The ``undefined_reasons`` of an evaluator, or of every evaluator in a ``DatasetEvaluators``.

    Returns:
        ``{task: {metric: reason}}``; empty for evaluators that record none.
    """
    reasons = {}
    for ev in getattr(evaluator, "_evaluators", None) or [evaluator]:
        for task, metrics in (getattr(ev, "undefined_reasons", None) or {}).items():
            reasons.setdefault(task, {}).update(metrics)
    return reasons


def _undefined(value) -> bool:
    return isinstance(value, numbers.Real) and not math.isfinite(value)


def undefined_notes(results: Mapping, reasons: Optional[Mapping] = None) -> List[str]:
    """One ``"task/metric: undefined (reason)"`` line per non-finite value of ``results``.

    Args:
        results: ``{task: {metric: value}}`` (a task may also map to a single value).
        reasons: ``{task: {metric: reason}}``; :data:`UNKNOWN_REASON` where it has none.
    """
    reasons = reasons or {}
    lines = []
    for task, metrics in results.items():
        items = metrics.items() if isinstance(metrics, Mapping) else [(None, metrics)]
        for name, value in items:
            if _undefined(value):
                why = reasons.get(task, {}).get(name, UNKNOWN_REASON)
                key = task if name is None else f"{task}/{name}"
                lines.append(f"{key}: undefined ({why})")
    return lines
