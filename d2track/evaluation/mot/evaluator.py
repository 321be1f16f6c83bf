"""MOTChallenge evaluation of tracked frames: CLEAR, Identity and HOTA as TrackEval computes them.

:class:`MOTEvaluator` writes one MOTChallenge txt per video and scores the videos with TrackEval
1.3's ``MotChallenge2DBox`` preprocessing
(:func:`~d2track.evaluation.mot.data.preprocess_sequence`) and metric classes
(:func:`~d2track.evaluation.mot.metrics.evaluate_mot`).

Conventions (ground-truth fields, units, result files): docs/evaluation.md#mot
"""

import logging
import os

import numpy as np
from detectron2.structures import BoxMode

from d2track.utils.file_io import dump_json

from ..video_evaluator import VideoEvaluator
from .data import MOTSequence, preprocess_sequence, write_mot_txt
from .metrics import evaluate_mot

__all__ = ["MOTEvaluator", "gt_rows_from_dicts", "mot_undefined_reasons", "to_percent"]

logger = logging.getLogger(__name__)


_NOT_RATES = frozenset(["FP_per_frame", "MOTP_sum"])


def to_percent(metrics):
    """TrackEval's summary units: float rates x 100, counts and non-rates unchanged."""
    return {
        k: 100.0 * v if isinstance(v, float) and k not in _NOT_RATES else v
        for k, v in metrics.items()
    }


def mot_undefined_reasons(metrics):
    """Why each non-finite metric is undefined: ``{metric: reason}``.

    Only ``convention="motmetrics"`` gives them: py-motmetrics divides 0/0 into NaN (e.g. no
    ground truth and no prediction, or MOTP without a match) and x/0 into an infinity (MOTA
    without ground truth but with false positives); TrackEval's rates are 0 instead.
    """
    reasons = {}
    for name, value in metrics.items():
        if isinstance(value, float) and value != value:
            reasons[name] = "0/0 under convention='motmetrics' (no ground truth or no match)"
        elif isinstance(value, float) and abs(value) == float("inf"):
            reasons[name] = "x/0 under convention='motmetrics' (no ground truth)"
    return reasons


def _xywh(ann):
    return BoxMode.convert(list(ann["bbox"]), ann["bbox_mode"], BoxMode.XYWH_ABS)


def gt_rows_from_dicts(frames):
    """MOTChallenge gt rows of one video's dataset dicts, frames numbered 1..len(frames).

    Returns:
        ndarray: (R, 9) float64 ``frame, id, x, y, w, h, conf, class, visibility``.
    """
    rows = []
    for t, frame in enumerate(frames, start=1):
        for ann in frame.get("annotations", []):
            ignored = ann.get("ignore", False) or ann.get("iscrowd", 0)
            rows.append(
                [
                    t,
                    ann.get("mot_instance_id", ann["instance_id"]),
                    *_xywh(ann),
                    ann.get("mot_conf", 0.0 if ignored else 1.0),
                    ann.get("mot_class_id", 1),
                    ann.get("visibility", 1.0),
                ]
            )
    return np.asarray(rows, dtype=np.float64).reshape(-1, 9)


def _tracker_rows(records):
    """(R, 10) MOTChallenge result rows from ``frame number -> (K, 6) id, x, y, w, h, score``."""
    rows = [
        np.column_stack([np.full(len(r), t), r, -np.ones((len(r), 3))])
        for t, r in sorted(records.items())
    ]
    return np.concatenate(rows) if rows else np.zeros((0, 10))


class MOTEvaluator(VideoEvaluator):
    """CLEAR, Identity and HOTA of tracked videos, MOTChallenge-style."""

    task = "mot"

    def __init__(
        self,
        dataset_name,
        *,
        benchmark="MOT17",
        do_preproc=True,
        convention="trackeval",
        metrics=("HOTA", "CLEAR", "Identity"),
        class_id=None,
        format_only=False,
        output_dir=None,
        distributed=True,
    ):
        """
        Args:
            dataset_name (str): a registered MOT dataset (CocoVID dicts with ``instance_id``).
            benchmark (str): MOT15, MOT16, MOT17 or MOT20: picks the distractor classes.
            do_preproc (bool): MOTChallenge preprocessing (TrackEval's default; never for MOT15).
            convention (str): ``"trackeval"`` or ``"motmetrics"`` for the metrics where the two
                references differ (see docs/evaluation.md#mot).
            metrics (tuple[str]): among HOTA, CLEAR, Identity.
            class_id (int or None): keep only predictions of this contiguous class (None: all
                predictions are pedestrians, as in MOTChallenge).
            format_only (bool): only write the MOTChallenge txt files (test splits).
            output_dir (str or None): where ``mot_results/<video>.txt`` and ``mot_metrics.json``
                go; required with ``format_only``.
            distributed (bool): gather from all ranks.
        """
        if format_only and not output_dir:
            raise ValueError("MOTEvaluator(format_only=True) needs an output_dir")
        self.benchmark = benchmark
        self.do_preproc = do_preproc
        self.convention = convention
        self.metrics = tuple(metrics)
        self.class_id = class_id
        self.format_only = format_only
        super().__init__(dataset_name, output_dir=output_dir, distributed=distributed)

    def check_dependencies(self):
        try:
            import trackeval  # noqa: F401
        except ImportError as e:
            raise ImportError(f"MOTEvaluator needs TrackEval: pip install trackeval ({e})") from e

    def check_ground_truth(self):
        if self.format_only:
            return
        for frames in self.video_frames.values():
            for frame in frames:
                for ann in frame.get("annotations", []):
                    if "instance_id" not in ann and "mot_instance_id" not in ann:
                        raise ValueError(
                            f"{self.dataset_name}: image {frame.get('image_id')}: an annotation "
                            "has no instance_id; MOT evaluation needs track identities"
                        )

    def process_frame(self, input, output):
        instances = output["instances"] if isinstance(output, dict) else output
        if not instances.has("ID"):
            raise KeyError(
                "MOTEvaluator needs tracked instances with an 'ID' field (a tracker's output); "
                f"got fields {list(instances.get_fields())}"
            )
        instances = instances.to("cpu")
        if self.class_id is not None:
            instances = instances[instances.pred_classes == self.class_id]
        boxes = instances.pred_boxes.tensor.numpy().astype(np.float64)
        boxes[:, 2:] -= boxes[:, :2]
        scores = instances.scores.numpy() if instances.has("scores") else np.ones(len(instances))
        ids = instances.ID.numpy() if hasattr(instances.ID, "numpy") else np.asarray(instances.ID)
        return np.column_stack([ids, boxes, scores]).astype(np.float64)

    def evaluate_videos(self, records):
        sequences = {}
        for video_id, frame_records in records.items():
            frames = self.video_frames[video_id]
            name = str(frames[0].get("video_name", f"video_{video_id}"))
            by_number = {fid + 1: r for fid, r in frame_records.items()}
            tracker = _tracker_rows(by_number)
            self._write_results(name, frames, tracker)
            sequences[name] = MOTSequence.from_rows(
                name, len(frames), gt_rows_from_dicts(frames), tracker
            )
        if self.format_only:
            logger.info(f"MOT results written to {self._results_dir()}")
            return {}
        data = {
            name: preprocess_sequence(seq, benchmark=self.benchmark, do_preproc=self.do_preproc)
            for name, seq in sequences.items()
        }
        results = evaluate_mot(data, metrics=self.metrics, convention=self.convention)
        if self.output_dir:
            dump_json(results, os.path.join(self.output_dir, "mot_metrics.json"))
        combined = to_percent(results["combined"])
        self.undefined_reasons = {self.task: mot_undefined_reasons(combined)}
        return {self.task: combined}

    def _results_dir(self):
        return os.path.join(self.output_dir, "mot_results")

    def _write_results(self, name, frames, tracker):
        if not self.output_dir:
            return
        rows = tracker.copy()
        numbers = np.asarray([f.get("mot_frame_id", f["frame_id"] + 1) for f in frames])
        rows[:, 0] = numbers[rows[:, 0].astype(int) - 1]
        write_mot_txt(os.path.join(self._results_dir(), f"{name}.txt"), rows)
