"""Success and precision plots of OPE results, in the style of the OTB/LaSOT toolkits.

The curves are the ones :func:`d2track.evaluation.sot.ope_metrics.evaluate_ope` returns. As in the
OTB toolkit (``plotDrawSave.m``), trackers are ranked by their headline number (success AUC, or
precision at 20 px) and the legend shows it as ``name [0.xyz]``. Figures are rendered with the
non-interactive Agg backend and written atomically as PNG.
"""

from typing import Mapping

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from d2track.utils.file_io import atomic_open

from .ope_metrics import NORM_PRECISION_THRESHOLDS, PRECISION_THRESHOLDS, SUCCESS_THRESHOLDS

__all__ = ["plot_success", "plot_precision"]


def _curve(name: str, result: Mapping, key: str, size: int) -> np.ndarray:
    try:
        curve = np.asarray(result["curves"][key], dtype=np.float64)
    except (KeyError, TypeError) as e:
        raise ValueError(
            f"tracker {name!r}: no curves[{key!r}] (pass evaluate_ope's output)"
        ) from e
    if curve.shape != (size,):
        raise ValueError(
            f"tracker {name!r}: curves[{key!r}] has shape {curve.shape}, not ({size},)"
        )
    return curve


def _plot(curves: Mapping[str, Mapping], path: str, *, key: str, xs: np.ndarray, score, labels):
    if not curves:
        raise ValueError("curves is empty: nothing to plot")
    entries = [(name, _curve(name, res, key, len(xs))) for name, res in curves.items()]
    entries.sort(key=lambda e: -score(e[1]))
    fig = Figure(figsize=(6, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    for name, curve in entries:
        ax.plot(xs, curve, linewidth=2, label=f"{name} [{score(curve):.3f}]")
    title, xlabel, ylabel = labels
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel, xlim=(xs[0], xs[-1]), ylim=(0, 1))
    ax.grid(True, linestyle=":")
    ax.legend(loc="lower left" if key == "success" else "lower right", fontsize=8)
    fig.tight_layout()
    with atomic_open(path, "wb") as f:
        fig.savefig(f, format="png")


def plot_success(curves: Mapping[str, Mapping], path: str) -> None:
    """Draw success plots (success rate vs. IoU threshold), legend ``name [AUC]``.

    Args:
        curves: tracker name -> :func:`evaluate_ope` output (its ``"curves"["success"]``, (21,),
            is used).
        path: destination PNG file.
    """
    _plot(
        curves,
        path,
        key="success",
        xs=SUCCESS_THRESHOLDS,
        score=lambda c: float(np.mean(c)),
        labels=("Success plots of OPE", "Overlap threshold", "Success rate"),
    )


def plot_precision(curves: Mapping[str, Mapping], path: str, *, normalized: bool = False) -> None:
    """Draw precision plots (precision vs. centre error threshold), legend ``name [P@20]``.

    Args:
        curves: tracker name -> :func:`evaluate_ope` output (its ``"curves"["precision"]`` or
            ``"curves"["norm_precision"]``, (51,), is used).
        path: destination PNG file.
        normalized: plot the normalised precision (thresholds 0..0.5, legend NP@0.2).
    """
    key = "norm_precision" if normalized else "precision"
    xs = NORM_PRECISION_THRESHOLDS if normalized else PRECISION_THRESHOLDS
    _plot(
        curves,
        path,
        key=key,
        xs=xs,
        score=lambda c: float(c[20]),
        labels=(
            "Normalized precision plots of OPE" if normalized else "Precision plots of OPE",
            "Normalized location error threshold" if normalized else "Location error threshold",
            "Precision",
        ),
    )
