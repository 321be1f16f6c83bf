"""The base of d2track's video evaluators: per-frame records gathered to rank 0, scored per video.

Subclasses say what to keep of each frame (:meth:`VideoEvaluator.process_frame`) and how to score
whole videos (:meth:`VideoEvaluator.evaluate_videos`); the base checks the ground truth when it is
built, gathers the records to rank 0 keyed by ``(video_id, frame_id)`` and scores the videos with
at least one processed frame.

Conventions: docs/evaluation.md#how-evaluators-run
"""

import itertools
import logging
from collections import OrderedDict

from detectron2.data import DatasetCatalog
from detectron2.evaluation import DatasetEvaluator
from detectron2.utils import comm

from d2track.data.datasets.video_index import build_video_index

__all__ = ["VideoEvaluator"]

logger = logging.getLogger(__name__)


class VideoEvaluator(DatasetEvaluator):
    """Collects one record per frame and evaluates per video on rank 0.

    Attributes:
        dataset_name (str): the registered dataset.
        dataset_dicts (list[dict]): its per-frame dicts (Detectron2's, plus ``video_id``,
            ``frame_id`` and per-annotation ``instance_id``).
        video_frames (dict[int, list[dict]]): ``video_id`` -> its dataset dicts in frame order.
        undefined_reasons (dict[str, dict[str, str]]): ``{task: {metric: reason}}`` for the NaN
            metrics of the last :meth:`evaluate` (see :mod:`d2track.evaluation.undefined`).
    """

    #: Name of the task in the results dict ``{task: {metric: value}}``.
    task = "video"

    def __init__(self, dataset_name, *, output_dir=None, distributed=True):
        """
        Args:
            dataset_name (str): a registered CocoVID-style dataset.
            output_dir (str or None): where result files are written (none if None).
            distributed (bool): gather records from all ranks to rank 0.
        """
        self.dataset_name = dataset_name
        self.output_dir = output_dir
        self.distributed = distributed
        self.check_dependencies()
        self.dataset_dicts = DatasetCatalog.get(dataset_name)
        if not self.dataset_dicts:
            raise ValueError(f"dataset {dataset_name!r} is empty: nothing to evaluate against")
        index = build_video_index(self.dataset_dicts)
        self.video_frames = OrderedDict()
        for video_id, frames in zip(index.video_ids, index.videos):
            if video_id in self.video_frames:
                raise ValueError(
                    f"dataset {dataset_name!r}: video_id {video_id} appears in two runs of frames; "
                    "evaluators need one run of frames per video"
                )
            self.video_frames[video_id] = [self.dataset_dicts[i] for i in frames]
        self._frame_ids = {v: {f["frame_id"] for f in fs} for v, fs in self.video_frames.items()}
        self.check_ground_truth()
        self._records = []
        self.undefined_reasons = {}

    # --- hooks for subclasses -------------------------------------------------------------------

    def check_dependencies(self):
        """Import what :meth:`evaluate_videos` needs; raise ImportError naming it if missing."""

    def check_ground_truth(self):
        """Raise ValueError naming the dataset and field if the ground truth cannot be scored."""

    def process_frame(self, input, output):
        """Return the (picklable, CPU) record kept for one frame, or None to keep nothing."""
        raise NotImplementedError

    def evaluate_videos(self, records):
        """Score the videos.

        Args:
            records (OrderedDict[int, dict[int, object]]): ``video_id`` -> ``frame_id`` -> record
                (in frame order), for the videos with at least one processed frame, in dataset
                order.

        Returns:
            dict: ``{task: {metric: value}}``.
        """
        raise NotImplementedError

    # --- DatasetEvaluator -------------------------------------------------------------------------

    def reset(self):
        self._records = []

    def process(self, inputs, outputs):
        for input, output in zip(inputs, outputs):
            record = self.process_frame(input, output)
            if record is not None:
                self._records.append(((input["video_id"], input["frame_id"]), record))

    def evaluate(self):
        self.undefined_reasons = {}
        records = self._records
        if self.distributed and comm.get_world_size() > 1:
            comm.synchronize()
            records = list(itertools.chain.from_iterable(comm.gather(records, dst=0)))
            if not comm.is_main_process():
                return {}
        grouped = self._group(records)
        if not grouped:
            logger.warning(f"{type(self).__name__} on {self.dataset_name}: no frames processed")
            return {}
        return self.evaluate_videos(grouped)

    def _group(self, records):
        by_video = {}
        for (video_id, frame_id), record in records:
            if video_id not in self.video_frames:
                raise ValueError(
                    f"prediction for video_id {video_id}, which is not in {self.dataset_name!r}"
                )
            if frame_id not in self._frame_ids[video_id]:
                raise ValueError(
                    f"prediction for frame_id {frame_id} of video_id {video_id}, which is not a "
                    f"frame of that video in {self.dataset_name!r}"
                )
            by_video.setdefault(video_id, {}).setdefault(frame_id, record)
        grouped = OrderedDict(
            (v, dict(sorted(by_video[v].items()))) for v in self.video_frames if v in by_video
        )
        missing = sum(len(self.video_frames[v]) - len(frames) for v, frames in grouped.items())
        if missing:
            logger.warning(
                f"{type(self).__name__} on {self.dataset_name}: {missing} frames of the "
                f"{len(grouped)} evaluated videos have no prediction; they count as empty"
            )
        if len(grouped) < len(self.video_frames):
            logger.info(
                f"{type(self).__name__} on {self.dataset_name}: evaluating {len(grouped)} of "
                f"{len(self.video_frames)} videos (the others were not processed)"
            )
        return grouped
