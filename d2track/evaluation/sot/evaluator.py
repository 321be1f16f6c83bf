"""Single object tracking evaluators: OPE (success, precision, normalised precision) and VOT.

:class:`SOTEvaluator` scores whole videos with
:func:`~d2track.evaluation.sot.ope_metrics.evaluate_ope` (MMTracking 0.14 ``eval_sot_ope``, or the
LaSOT toolkit), :class:`VOTEvaluator` with :func:`~d2track.evaluation.sot.vot_metrics.evaluate_vot`
(MMTracking 0.x ``eval_sot_eao`` and ``eval_sot_accuracy_robustness``).

Conventions (ground truth, visibility flags, outputs): docs/evaluation.md#sot-ope and
docs/evaluation.md#vot
"""

import logging
import os

import numpy as np
from detectron2.structures import BoxMode

from d2track.utils.file_io import atomic_open, dump_json

from ..video_evaluator import VideoEvaluator
from .ope_metrics import evaluate_ope
from .plots import plot_precision, plot_success
from .submission import write_got10k_submission, write_trackingnet_submission
from .vot_metrics import VOT_INTERVALS, evaluate_vot

__all__ = ["SOTEvaluator", "VOTEvaluator", "sot_ground_truth"]

logger = logging.getLogger(__name__)

_INVISIBLE_FLAGS = ("full_occlusion", "out_of_view", "absence")
_SUBMISSIONS = {"got10k": write_got10k_submission, "trackingnet": write_trackingnet_submission}


def sot_ground_truth(frames, *, polygons=False):
    """One video's target boxes and visibility.

    Args:
        frames (list[dict]): the video's dataset dicts in frame order.
        polygons (bool): if an annotation of the video has ``quad`` corners, return (T, 8)
            polygons (boxes of frames without ``quad`` as their 4 corners).

    Returns:
        tuple: (T, 4) xywh (or (T, 8) polygons) float64 with zeros where the target is absent,
        (T,) bool visibility (False where absent or flagged), and the number of annotated frames.
    """
    anns = [(f.get("annotations") or [None])[0] for f in frames]
    boxes = np.zeros((len(frames), 4))
    visible = np.zeros(len(frames), dtype=bool)
    for t, ann in enumerate(anns):
        if ann is not None:
            boxes[t] = BoxMode.convert(list(ann["bbox"]), ann["bbox_mode"], BoxMode.XYWH_ABS)
            flagged = any(bool(ann.get(k, False)) for k in _INVISIBLE_FLAGS)
            visible[t] = boxes[t, 2] > 0 and boxes[t, 3] > 0 and not flagged
    annotated = sum(a is not None for a in anns)
    if polygons and any(a is not None and "quad" in a for a in anns):
        x, y, w, h = boxes.T
        corners = np.stack([x, y, x + w, y, x + w, y + h, x, y + h], axis=1)
        quads = [a["quad"] if a is not None and "quad" in a else c for a, c in zip(anns, corners)]
        boxes = np.asarray(quads, dtype=np.float64)
    return boxes, visible, annotated


def _tracker_box(output):
    instances = output["instances"] if isinstance(output, dict) else output
    if len(instances) == 0:
        return np.full(4, np.nan)
    instances = instances.to("cpu")
    best = int(instances.scores.argmax()) if instances.has("scores") else 0
    x1, y1, x2, y2 = instances.pred_boxes.tensor[best].tolist()
    return np.array([x1, y1, x2 - x1, y2 - y1], dtype=np.float64)


class _SingleTargetEvaluator(VideoEvaluator):
    """Shared ground-truth checks and per-video assembly of the SOT evaluators."""

    def __init__(self, dataset_name, *, format_only=False, output_dir=None, distributed=True):
        if format_only and not output_dir:
            raise ValueError(f"{type(self).__name__}(format_only=True) needs an output_dir")
        self.format_only = format_only
        super().__init__(dataset_name, output_dir=output_dir, distributed=distributed)

    def check_ground_truth(self):
        if self.format_only:
            return
        for video_id, frames in self.video_frames.items():
            counts = {len(f.get("annotations", [])) for f in frames}
            if max(counts) > 1:
                raise ValueError(
                    f"{self.dataset_name}: video {video_id} has a frame with {max(counts)} "
                    "annotations; single object tracking evaluates one target per video"
                )
            annotated = sum(1 for f in frames if f.get("annotations"))
            if len(frames) > 1 and annotated <= 1:
                raise ValueError(
                    f"{self.dataset_name}: video {video_id} has ground truth on {annotated} of "
                    f"{len(frames)} frames (a test split?): use format_only=True and submit"
                )

    def _name(self, video_id):
        return str(self.video_frames[video_id][0].get("video_name", f"video_{video_id}"))

    def _per_video(self, records, fill):
        """video name -> list of per-frame records, ``fill`` where a frame was not processed."""
        out = {}
        for video_id, frame_records in records.items():
            frames = self.video_frames[video_id]
            out[self._name(video_id)] = [frame_records.get(f["frame_id"], fill) for f in frames]
        return out


class SOTEvaluator(_SingleTargetEvaluator):
    """One-pass evaluation (OPE): success AUC, precision at 20 px, normalised precision at 0.2."""

    task = "sot"

    def __init__(
        self,
        dataset_name,
        *,
        protocol="mmtracking",
        submission=None,
        plots=True,
        format_only=False,
        output_dir=None,
        distributed=True,
    ):
        """
        Args:
            dataset_name (str): a registered SOT dataset.
            protocol (str): ``"mmtracking"`` or ``"lasot"`` (see docs/evaluation.md#sot-ope).
            submission (str or None): also write ``got10k`` or ``trackingnet`` submission zips
                to ``output_dir``.
            plots (bool): write success and precision plots to ``output_dir``.
            format_only (bool): only write result files (``<video>.txt`` and the submission).
            output_dir (str or None): where files go.
            distributed (bool): gather from all ranks.
        """
        if submission is not None and submission not in _SUBMISSIONS:
            raise ValueError(
                f"submission must be one of {sorted(_SUBMISSIONS)}, got {submission!r}"
            )
        self.protocol = protocol
        self.submission = submission
        self.plots = plots
        super().__init__(
            dataset_name, format_only=format_only, output_dir=output_dir, distributed=distributed
        )

    def process_frame(self, input, output):
        return _tracker_box(output)

    def evaluate_videos(self, records):
        results = {k: np.stack(v) for k, v in self._per_video(records, np.full(4, np.nan)).items()}
        self._write_files(results)
        if self.format_only:
            return {}
        gts, visible = {}, {}
        for video_id in records:
            gts[self._name(video_id)], visible[self._name(video_id)], _ = sot_ground_truth(
                self.video_frames[video_id]
            )
        flagged = any(
            any(k in a for k in _INVISIBLE_FLAGS)
            for v in records
            for f in self.video_frames[v]
            for a in f.get("annotations", [])
        )
        metrics = evaluate_ope(
            results, gts, visible=visible if flagged else None, protocol=self.protocol
        )
        if self.output_dir:
            self._write_report(metrics)
        return {self.task: {k: metrics[k] for k in ("success", "precision", "norm_precision")}}

    def _write_files(self, results):
        if not self.output_dir:
            return
        folder = os.path.join(self.output_dir, "sot_results")
        for name, boxes in results.items():
            with atomic_open(os.path.join(folder, f"{name}.txt")) as f:
                np.savetxt(f, boxes, fmt="%.4f", delimiter=",")
        if self.submission:
            zip_path = os.path.join(self.output_dir, f"{self.submission}_submission.zip")
            _SUBMISSIONS[self.submission](results, zip_path)
            logger.info(f"{self.submission} submission written to {zip_path}")

    def _write_report(self, metrics):
        per_video = {
            name: {k: v for k, v in m.items() if k != "curves"}
            for name, m in metrics["per_video"].items()
        }
        headline = {k: metrics[k] for k in ("success", "precision", "norm_precision")}
        report = dict(protocol=self.protocol, overall=headline, per_video=per_video)
        dump_json(report, os.path.join(self.output_dir, "sot_metrics.json"))
        if self.plots:
            curves = {"tracker": metrics}
            plot_success(curves, os.path.join(self.output_dir, "success_plot.png"))
            plot_precision(curves, os.path.join(self.output_dir, "precision_plot.png"))


class VOTEvaluator(_SingleTargetEvaluator):
    """VOT reset-based evaluation: EAO, accuracy and robustness."""

    task = "vot"

    def __init__(
        self,
        dataset_name,
        *,
        interval=VOT_INTERVALS["vot2018"],
        burnin=10,
        output_dir=None,
        distributed=True,
    ):
        """
        Args:
            dataset_name (str): a registered VOT dataset.
            interval (tuple[int, int]): the EAO interval (VOT2018: 100..356).
            burnin (int): frames after each (re-)initialisation left out of accuracy.
            output_dir (str or None): where ``vot_metrics.json`` goes.
            distributed (bool): gather from all ranks.
        """
        self.interval = tuple(interval)
        self.burnin = burnin
        super().__init__(dataset_name, output_dir=output_dir, distributed=distributed)

    def process_frame(self, input, output):
        if isinstance(output, dict) and "vot_code" in output:
            return np.array([float(output["vot_code"])])
        return _tracker_box(output)

    def evaluate_videos(self, records):
        results = self._per_video(records, np.array([0.0]))
        gts, sizes = {}, {}
        for video_id in records:
            frames = self.video_frames[video_id]
            name = self._name(video_id)
            gts[name] = sot_ground_truth(frames, polygons=True)[0]
            sizes[name] = (frames[0]["width"], frames[0]["height"])
        metrics = evaluate_vot(
            results, gts, image_sizes=sizes, interval=self.interval, burnin=self.burnin
        )
        headline = {k: metrics[k] for k in ("eao", "accuracy", "robustness", "num_failures")}
        if self.output_dir:
            report = dict(overall=headline, per_video=metrics["per_video"])
            dump_json(report, os.path.join(self.output_dir, "vot_metrics.json"))
        return {self.task: headline}
