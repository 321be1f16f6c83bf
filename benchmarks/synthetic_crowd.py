"""Seeded crowds of moving boxes with detections of chosen noise, and HOTA of a tracker on them.

Shared by the tracker benchmarks. ``N`` pedestrian-shaped boxes (30-80 px wide, 2-3x as high)
move at constant velocity and bounce off the borders of a canvas that grows with ``N`` (about
200 objects per 1920x1080), so they cross each other. Per frame each object is detected with
probability ``1 - p_missing``; a detection is the true box plus Gaussian noise, ``jitter``
pixels on each coordinate plus ``rel_jitter`` times the box's width (x) or height (y); a share
``p_low`` of the detections score 0.3 (an occluded object: ByteTrack's second association),
the others 0.75-0.95; ``fp_rate`` false positives per true object and frame are added, each a
box of the crowd's sizes at a random place, scoring 0.3-0.8.

Two presets (:data:`NOISE`): ``clean`` (1.5 px jitter, 5% missing, 5% low, no false
positives: the timing benchmark's data) and ``noisy`` (plus 5% of the box size, 10% missing,
10% low, 3% false positives): the detections of a weaker detector, where the box a tracker
outputs matters.

:func:`hota` scores a tracker's output with d2track's MOT metrics (TrackEval's HOTA, CLEAR and
Identity), every true object as ground truth, no distractor preprocessing.
"""

from dataclasses import dataclass
from typing import List

import numpy as np
import torch
from detectron2.structures import Boxes, Instances

from d2track.evaluation.mot.data import MOTSequence, preprocess_sequence
from d2track.evaluation.mot.metrics import evaluate_mot

NOISE = {
    "clean": dict(jitter=1.5, rel_jitter=0.0, p_missing=0.05, p_low=0.05, fp_rate=0.0),
    "noisy": dict(jitter=1.5, rel_jitter=0.05, p_missing=0.10, p_low=0.10, fp_rate=0.03),
}


@dataclass
class CrowdVideo:
    """Detections (``Instances`` with ``gt``: the object per row, -1 for a false positive)
    and the ground truth per frame (ids (G,) and boxes (G, 4) xyxy)."""

    frames: List[Instances]
    gt_ids: List[np.ndarray]
    gt_boxes: List[np.ndarray]


def _false_positives(rng, count, size, wh):
    picked = wh[rng.integers(0, len(wh), count)]
    pos = rng.uniform(0, 1, (count, 2)) * (size - picked)
    return np.hstack([pos, pos + picked]), rng.uniform(0.3, 0.8, count)


def _detections(rng, image_size, boxes, gt, scores):
    inst = Instances(image_size)
    inst.pred_boxes = Boxes(torch.tensor(boxes, dtype=torch.float32))
    inst.scores = torch.tensor(scores, dtype=torch.float32)
    inst.pred_classes = torch.zeros(len(boxes), dtype=torch.int64)
    inst.gt = torch.from_numpy(gt)
    return inst


def make_crowd(num_objects, num_frames, *, seed=0, noise="clean", **overrides):
    """A :class:`CrowdVideo`; ``noise`` names a :data:`NOISE` preset, ``overrides`` change it."""
    p = dict(NOISE[noise], **overrides)
    rng = np.random.default_rng(seed)
    scale = max(1.0, (num_objects / 200) ** 0.5)
    size = np.array([1920.0, 1080.0]) * scale
    wh = np.column_stack([rng.uniform(30, 80, num_objects), np.zeros(num_objects)])
    wh[:, 1] = wh[:, 0] * rng.uniform(2.0, 3.0, num_objects)
    pos = rng.uniform(0, size - wh)
    vel = rng.normal(0, 3.0, (num_objects, 2))
    image_size = (int(size[1]), int(size[0]))
    video = CrowdVideo([], [], [])
    for _ in range(num_frames):
        pos += vel
        bounce = (pos < 0) | (pos > size - wh)
        vel[bounce] *= -1
        pos = np.clip(pos, 0, size - wh)
        true = np.hstack([pos, pos + wh])
        sigma = p["jitter"] + p["rel_jitter"] * np.hstack([wh, wh])
        noisy = true + rng.normal(0, 1, (num_objects, 4)) * sigma
        seen = np.flatnonzero(rng.random(num_objects) > p["p_missing"])
        scores = np.where(
            rng.random(len(seen)) < p["p_low"], 0.3, rng.uniform(0.75, 0.95, len(seen))
        )
        fp_boxes, fp_scores = _false_positives(
            rng, rng.poisson(p["fp_rate"] * num_objects), size, wh
        )
        boxes = np.vstack([noisy[seen], fp_boxes])
        gt = np.concatenate([seen, np.full(len(fp_boxes), -1)]).astype(np.int64)
        video.frames.append(
            _detections(rng, image_size, boxes, gt, np.concatenate([scores, fp_scores]))
        )
        video.gt_ids.append(np.arange(num_objects))
        video.gt_boxes.append(true)
    return video


def _xywh(boxes):
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return np.hstack([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]])


def hota(video, outputs, name="crowd"):
    """HOTA, DetA, AssA, IDF1, MOTA and IDSW (TrackEval's) of ``outputs`` on ``video``.

    Args:
        video (CrowdVideo): the ground truth.
        outputs (list[Instances]): the tracker's output per frame (``pred_boxes``, ``ID``).

    Returns:
        dict[str, float]: HOTA, DetA, AssA, IDF1, MOTA in percent; IDSW a count.
    """
    ones = [np.ones(len(ids)) for ids in video.gt_ids]
    seq = MOTSequence(
        name=name,
        num_frames=len(outputs),
        gt_ids=list(video.gt_ids),
        gt_boxes=[_xywh(b) for b in video.gt_boxes],
        gt_classes=[np.ones(len(ids), dtype=np.int64) for ids in video.gt_ids],
        gt_conf=ones,
        gt_vis=ones,
        tracker_ids=[o.ID.numpy().astype(np.int64) for o in outputs],
        tracker_boxes=[_xywh(o.pred_boxes.tensor.numpy()) for o in outputs],
        tracker_scores=[o.scores.numpy().astype(np.float64) for o in outputs],
    )
    data = preprocess_sequence(seq, do_preproc=False)
    res = evaluate_mot({name: data})["combined"]
    out = {k: 100 * float(np.mean(res[k])) for k in ("HOTA", "DetA", "AssA", "IDF1", "MOTA")}
    out["IDSW"] = int(res["IDSW"])
    return out
