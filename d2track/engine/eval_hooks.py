"""Evaluation during training from a given iteration on, keeping the best checkpoint.

MMTracking 0.x's ``evaluation = dict(interval=1, start=10, rule='greater', save_best='success')``
as Detectron2 hooks: :class:`PeriodicEvalHook` is Detectron2's ``EvalHook`` that skips the
evaluations before ``start_iter`` (the last one always runs), and with ``best`` set it keeps
``model_best.pth``, the weights of the evaluation with the best ``best.metric`` (a key of the
flattened results, e.g. ``"sot/success"``), beside ``model_best.json`` (metric, value,
iteration). Unlike Detectron2's ``BestCheckpointer``, saving the best model does not move the
``last_checkpoint`` tag (``--resume`` continues from the newest periodic checkpoint), and a
resumed run compares against the best value already in ``model_best.json``.

Configs set them through ``train.eval_start`` and ``train.best_checkpoint`` (``dict(metric=...,
mode="max")``), read by :func:`build_eval_hook`.
"""

import json
import logging
import math
import os

from detectron2.engine.hooks import EvalHook
from detectron2.evaluation.testing import flatten_results_dict
from detectron2.utils import comm

from d2track.utils.file_io import dump_json

__all__ = ["BestCheckpoint", "PeriodicEvalHook", "build_eval_hook"]

logger = logging.getLogger(__name__)


class BestCheckpoint:
    """Saves a checkpoint whenever a metric beats its best value so far."""

    def __init__(self, checkpointer, *, metric, mode="max", file_prefix="model_best"):
        """
        Args:
            checkpointer (detectron2.checkpoint.DetectionCheckpointer): saves the model.
            metric (str): key of the flattened evaluation results, e.g. ``"sot/success"``.
            mode (str): ``"max"`` or ``"min"``: which way is better.
            file_prefix (str): ``<file_prefix>.pth`` and ``<file_prefix>.json`` in the
                checkpointer's folder.
        """
        if mode not in ("max", "min"):
            raise ValueError(f"train.best_checkpoint.mode must be 'max' or 'min', got {mode!r}")
        self.checkpointer, self.metric, self.mode = checkpointer, metric, mode
        self.file_prefix = file_prefix
        self.best = None  # (value, iteration)

    @property
    def json_path(self):
        return os.path.join(self.checkpointer.save_dir, f"{self.file_prefix}.json")

    def restore(self):
        """Read the best value of an earlier run of the same metric (when resuming)."""
        if not os.path.isfile(self.json_path):
            return
        with open(self.json_path, encoding="utf-8") as f:
            record = json.load(f)
        if record.get("metric") == self.metric and record.get("mode") == self.mode:
            self.best = (record["value"], record["iteration"])

    def update(self, results, iteration):
        """Save the model if ``results[metric]`` is the best so far.

        Args:
            results (dict[str, float]): flattened evaluation results.
            iteration (int): the iteration they belong to.

        Returns:
            bool: whether the model was saved.
        """
        if self.metric not in results:
            raise KeyError(
                f"train.best_checkpoint.metric={self.metric!r} is not among the evaluation "
                f"results: {sorted(results)}"
            )
        value = float(results[self.metric])
        if not math.isfinite(value) or not self._better(value):
            logger.info(f"{self.metric} = {value:.5f}; best so far: {self.best}")
            return False
        self.best = (value, iteration)
        self._save_untagged(iteration)
        record = {"metric": self.metric, "mode": self.mode, "value": value, "iteration": iteration}
        dump_json(record, self.json_path)
        logger.info(f"saved {self.file_prefix}.pth: {self.metric} = {value:.5f} @ {iteration}")
        return True

    def _better(self, value):
        if self.best is None:
            return True
        return value > self.best[0] if self.mode == "max" else value < self.best[0]

    def _save_untagged(self, iteration):
        """``checkpointer.save`` without moving the ``last_checkpoint`` tag."""
        tag = os.path.join(self.checkpointer.save_dir, "last_checkpoint")
        previous = None
        if os.path.isfile(tag):
            with open(tag, encoding="utf-8") as f:
                previous = f.read().strip()
        self.checkpointer.save(self.file_prefix, iteration=iteration)
        if previous:
            self.checkpointer.tag_last_checkpoint(previous)
        elif os.path.isfile(tag):
            os.remove(tag)


class PeriodicEvalHook(EvalHook):
    """Detectron2's ``EvalHook`` from ``start_iter`` on, optionally keeping the best model."""

    def __init__(self, eval_period, eval_function, *, start_iter=0, best=None):
        """
        Args:
            eval_period (int): evaluate after every ``eval_period`` iterations, and at the end.
            eval_function (callable): returns the nested results dict.
            start_iter (int): no evaluation before this many iterations (but the last one).
            best (BestCheckpoint or None): keeps the best model (main process only).
        """
        super().__init__(eval_period, self._evaluate)
        self._eval_function, self._results = eval_function, None
        self.start_iter, self.best = start_iter, best

    def _evaluate(self):
        self._results = self._eval_function()
        return self._results

    def before_train(self):
        if self.best is not None and self.trainer.start_iter > 0:
            self.best.restore()

    def after_step(self):
        if self.trainer.iter + 1 >= self.start_iter:
            super().after_step()

    def _do_eval(self):
        super()._do_eval()
        if self.best is None or not comm.is_main_process():
            return
        # the last finished iteration, as checkpoints count (after_train runs at iter = max_iter)
        iteration = min(self.trainer.iter, self.trainer.max_iter - 1)
        self.best.update(flatten_results_dict(self._results or {}), iteration)


def build_eval_hook(cfg, eval_function, checkpointer):
    """The training tool's evaluation hook from ``cfg.train`` (``eval_period``, optional
    ``eval_start`` and ``best_checkpoint``)."""
    best_cfg = cfg.train.get("best_checkpoint", None)
    best = None
    if best_cfg and comm.is_main_process():
        best = BestCheckpoint(checkpointer, **best_cfg)
    return PeriodicEvalHook(
        cfg.train.eval_period,
        eval_function,
        start_iter=cfg.train.get("eval_start", 0) or 0,
        best=best,
    )
