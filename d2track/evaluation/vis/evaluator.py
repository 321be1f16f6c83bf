"""Video instance segmentation evaluation: YouTube-VIS AP/AR of tracked masks.

:class:`VISEvaluator` turns each video's tracked ``Instances`` into the YouTube-VIS results list
as MMTracking 0.x does (:func:`~d2track.evaluation.vis.format.tracks_to_ytvis_results`) and scores
it with :func:`~d2track.evaluation.vis.ytvis_eval.evaluate_ytvis` (the official YouTube-VIS API's
numbers).

Conventions (ground truth, category ids, units, result files): docs/evaluation.md#vis
"""

import os

import numpy as np
from detectron2.data import MetadataCatalog
from detectron2.structures import BoxMode
from pycocotools import mask as mask_util

from ..video_evaluator import VideoEvaluator
from .format import mask_to_rle, tracks_to_ytvis_results, write_ytvis_submission
from .ytvis_eval import evaluate_ytvis

__all__ = ["VISEvaluator"]

_EMPTY = dict(track_ids=[], scores=[], labels=[], masks=[])


def _rle(segmentation, height, width):
    if isinstance(segmentation, list):  # polygons
        return mask_util.merge(mask_util.frPyObjects(segmentation, height, width))
    return mask_to_rle(segmentation)


class VISEvaluator(VideoEvaluator):
    """YouTube-VIS AP/AR of tracked instance masks."""

    task = "segm"

    def __init__(
        self,
        dataset_name,
        *,
        per_category=False,
        format_only=False,
        output_dir=None,
        distributed=True,
    ):
        """
        Args:
            dataset_name (str): a registered VIS dataset (CocoVID with ``segmentation``).
            per_category (bool): also report ``AP-<class>``.
            format_only (bool): only write ``results.json`` and its zip (test splits).
            output_dir (str or None): where they go; required with ``format_only``.
            distributed (bool): gather from all ranks.
        """
        if format_only and not output_dir:
            raise ValueError("VISEvaluator(format_only=True) needs an output_dir")
        self.per_category = per_category
        self.format_only = format_only
        super().__init__(dataset_name, output_dir=output_dir, distributed=distributed)

    def check_ground_truth(self):
        meta = MetadataCatalog.get(self.dataset_name)
        to_contiguous = getattr(meta, "thing_dataset_id_to_contiguous_id", None)
        if to_contiguous:
            self.label_to_category_id = {v: k for k, v in to_contiguous.items()}
        else:
            self.label_to_category_id = None
        if self.format_only:
            return
        for video_id, frames in self.video_frames.items():
            for frame in frames:
                for k, ann in enumerate(frame.get("annotations", [])):
                    if "segmentation" not in ann:
                        raise ValueError(
                            f"{self.dataset_name}: video {video_id}, frame {frame['frame_id']}, "
                            f"annotation {k}: no 'segmentation'; VIS evaluation needs masks"
                        )

    def _category_id(self, label):
        if self.label_to_category_id is None:
            return int(label) + 1
        return int(self.label_to_category_id[int(label)])

    def process_frame(self, input, output):
        instances = output["instances"] if isinstance(output, dict) else output
        missing = [
            f for f in ("ID", "pred_masks", "scores", "pred_classes") if not instances.has(f)
        ]
        if missing:
            raise KeyError(
                f"VISEvaluator needs tracked instances with {missing}; "
                f"got fields {list(instances.get_fields())}"
            )
        instances = instances.to("cpu")
        return dict(
            track_ids=instances.ID.numpy().tolist(),
            scores=instances.scores.numpy().astype(np.float64),
            labels=instances.pred_classes.numpy(),
            masks=[mask_to_rle(m.numpy()) for m in instances.pred_masks],
        )

    def evaluate_videos(self, records):
        videos = [
            dict(
                video_id=v, frames=[frames.get(f["frame_id"], _EMPTY) for f in self.video_frames[v]]
            )
            for v, frames in records.items()
        ]
        labels = {label for r in records.values() for f in r.values() for label in f["labels"]}
        mapping = {label: self._category_id(label) for label in labels}
        results = tracks_to_ytvis_results(videos, label_to_category_id=mapping)
        if self.output_dir:
            write_ytvis_submission(
                results,
                os.path.join(self.output_dir, "results_submission.zip"),
                json_path=os.path.join(self.output_dir, "results.json"),
            )
        if self.format_only:
            return {}
        gt = self._ground_truth(list(records))
        stats = evaluate_ytvis(
            gt, results, per_category=self.per_category, gt_source=self.dataset_name
        )
        return {self.task: {k: 100.0 * v if v >= 0 else v for k, v in stats.items()}}

    def _ground_truth(self, video_ids):
        """YouTube-VIS ground truth of ``video_ids`` from the dataset dicts."""
        meta = MetadataCatalog.get(self.dataset_name)
        classes = list(getattr(meta, "thing_classes", []))
        labels = {
            a["category_id"]
            for v in video_ids
            for f in self.video_frames[v]
            for a in f.get("annotations", [])
        }
        labels |= set(range(len(classes)))
        categories = [
            dict(id=self._category_id(k), name=classes[k] if k < len(classes) else str(k))
            for k in sorted(labels)
        ]
        videos, tracks = [], {}
        for video_id in video_ids:
            frames = self.video_frames[video_id]
            height, width = frames[0]["height"], frames[0]["width"]
            videos.append(dict(id=video_id, height=height, width=width, length=len(frames)))
            for t, frame in enumerate(frames):
                for ann in frame.get("annotations", []):
                    track = tracks.setdefault(
                        (video_id, ann["instance_id"]),
                        dict(
                            id=len(tracks) + 1,
                            video_id=video_id,
                            category_id=self._category_id(ann["category_id"]),
                            iscrowd=int(ann.get("iscrowd", 0)),
                            segmentations=[None] * len(frames),
                            bboxes=[None] * len(frames),
                            areas=[None] * len(frames),
                        ),
                    )
                    rle = _rle(ann["segmentation"], height, width)
                    track["segmentations"][t] = rle
                    track["bboxes"][t] = BoxMode.convert(
                        list(ann["bbox"]), ann["bbox_mode"], BoxMode.XYWH_ABS
                    )
                    track["areas"][t] = float(ann.get("area", mask_util.area(rle)))
        return dict(videos=videos, categories=categories, annotations=list(tracks.values()))
