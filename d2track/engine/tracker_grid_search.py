"""Grid search over tracker fields, as MMTracking 0.x's ``tools/analysis/mot/mot_param_search.py``
and ``tools/analysis/sot/sot_siamrpn_param_search.py``.

Fields of ``cfg.model.tracker`` given as lists span the grid (``high_score_thr=[0.5, 0.6]`` and
``init_track_thr=[0.6, 0.7]`` give 4 runs); every combination tracks the test set and is scored
by the config's evaluator. Unlike MMTracking, MOT detections are computed once and replayed for
every combination when the tracker allows it (trackers with ``needs_frame_features``, e.g.
Tracktor, rerun the detector each time), so a grid costs about one detector pass plus the
trackers. Single object trackers (models without ``detect``) run the whole model again for each
combination: their search crops follow their own previous boxes.

The command lines are ``tools/analysis/mot_param_search.py`` and
``tools/analysis/sot_param_search.py``.
"""

import copy
import itertools
import logging

from detectron2.config import instantiate
from omegaconf import ListConfig, OmegaConf
from torch import nn

from d2track.checkpoint import load_eval_weights

from .defaults import resolve_device
from .video_inference import inference_on_dataset

__all__ = ["tracker_grid", "ReplayDetections", "build_search_model", "results_table", "search"]

logger = logging.getLogger(__name__)


def tracker_grid(tracker_cfg):
    """All combinations of the list-valued fields of a tracker config.

    Args:
        tracker_cfg (DictConfig): ``cfg.model.tracker`` (a ``LazyCall``).

    Returns:
        list[dict]: one ``{field: value}`` per combination (``[{}]`` when no field is a list).
    """
    axes = {k: list(v) for k, v in tracker_cfg.items() if isinstance(v, (list, ListConfig))}
    for name, values in axes.items():
        if not values:
            raise ValueError(f"model.tracker.{name} is an empty list: nothing to search")
    return [dict(zip(axes, combo)) for combo in itertools.product(*axes.values())]


class ReplayDetections(nn.Module):
    """A :class:`TrackingByDetection` whose per-frame tracker inputs are computed once.

    The first pass detects (and embeds) every frame; later passes only run the tracker. The
    detections, ``frame_id`` and ``video`` are kept, and the frame (``image``) for trackers that
    read it (``needs_image``: camera motion compensation); not the features or the regressor, so
    trackers that need the frame's detector cannot be replayed.
    """

    def __init__(self, model):
        super().__init__()
        if getattr(model.tracker, "needs_frame_features", False):
            raise ValueError(f"{type(model.tracker).__name__} needs the detector every frame")
        self.model = model
        self._cache = {}

    def forward(self, batched_inputs):
        outputs = []
        for frame in batched_inputs:
            self.model._maybe_reset(frame)
            key = (frame.get("video_id"), frame.get("frame_id"))
            if key not in self._cache:
                detections, context = self.model.detect(frame)
                kept = {k: context[k] for k in ("frame_id", "video", "image") if k in context}
                self._cache[key] = (detections.to("cpu"), kept)
            detections, context = self._cache[key]
            instances = self.model.tracker.update(detections, **dict(context))
            outputs.append({"instances": instances})
        return outputs

    @property
    def video_postprocessor(self):
        return getattr(self.model, "video_postprocessor", None)

    def postprocess_video(self, frames, outputs):
        """The model's :meth:`~TrackingByDetection.postprocess_video`."""
        return self.model.postprocess_video(frames, outputs)


def search(cfg, model, *, metrics=("HOTA", "MOTA", "IDF1"), task="mot"):
    """Track the test set once per tracker combination and score each.

    Args:
        cfg: a tracking LazyConfig (``model.tracker``, ``dataloader.test``,
            ``dataloader.evaluator``).
        model (nn.Module): built from ``cfg.model``, weights loaded, in eval mode: a
            :class:`TrackingByDetection` (its detections are replayed) or any model whose eval
            ``forward`` tracks with ``model.tracker`` (e.g. a single object tracking model).
        metrics (Sequence[str]): keys of the evaluator's ``task`` results to log.
        task (str): the evaluator's results key (``"mot"``, ``"sot"``, ...).

    Returns:
        list[dict]: per combination ``{"params": {...}, "results": {metric: value}}``.
    """
    grid = tracker_grid(cfg.model.tracker)
    loader = instantiate(cfg.dataloader.test)
    replay = hasattr(model, "detect") and not getattr(model.tracker, "needs_frame_features", False)
    runner = ReplayDetections(model) if replay else model
    rows = []
    for index, params in enumerate(grid):
        tracker_cfg = copy.deepcopy(cfg.model.tracker)
        for name, value in params.items():
            OmegaConf.update(tracker_cfg, name, value, merge=False)
        model.tracker = instantiate(tracker_cfg)
        results = inference_on_dataset(runner, loader, instantiate(cfg.dataloader.evaluator))
        scores = results.get(task, {})
        missing = [m for m in metrics if m not in scores]
        if missing:
            raise KeyError(f"metrics {missing} not in the evaluator's results {sorted(scores)}")
        rows.append({"params": params, "results": {m: scores[m] for m in metrics}})
        logger.info(f"[{index + 1}/{len(grid)}] {params}: {rows[-1]['results']}")
    return rows


def build_search_model(cfg, weights, *, device=None, allow_partial=False):
    """The config's tracking model with the grid's first combination, weights loaded, eval mode.

    Args:
        cfg: a tracking LazyConfig whose ``model.tracker`` may hold lists (not tracker arguments:
            the first combination stands in until :func:`search` sets each).
        weights (str): checkpoint of the whole model ("" where the config names its weights).
        device (str or None): default ``cfg.train.device``, else "cuda".
        allow_partial (bool): of :func:`~d2track.checkpoint.load_eval_weights`.
    """
    model_cfg = copy.deepcopy(cfg.model)
    for name, value in tracker_grid(cfg.model.tracker)[0].items():
        OmegaConf.update(model_cfg.tracker, name, value, merge=False)
    device = device or cfg.get("train", {}).get("device", "cuda")
    model = instantiate(model_cfg).to(resolve_device(device)).eval()
    load_eval_weights(model, weights, allow_partial=allow_partial, source="--weights")
    return model


def results_table(rows, metrics):
    """The combinations of :func:`search` as a markdown table, best first by ``metrics[0]``."""
    names = list(rows[0]["params"]) if rows else []
    lines = ["| " + " | ".join(names + list(metrics)) + " |"]
    lines.append("|" + "---|" * (len(names) + len(metrics)))
    for row in sorted(rows, key=lambda r: -r["results"][metrics[0]]):
        cells = [str(row["params"][n]) for n in names]
        cells += [f"{row['results'][m]:.2f}" for m in metrics]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
