"""MOTChallenge txt IO and TrackEval's MOTChallenge preprocessing of a sequence.

:func:`preprocess_sequence` returns, for the same files, exactly the dict of TrackEval 1.3
(JonathonLuiten/TrackEval, numpy-2 fork) ``trackeval/datasets/mot_challenge_2d_box.py``:
``MotChallenge2DBox.get_raw_seq_data`` then ``get_preprocessed_seq_data(raw, "pedestrian")``,
ready for ``trackeval.metrics.HOTA/CLEAR/Identity().eval_sequence(data)``.

Conventions (file format, preprocessing): docs/evaluation.md#mot
"""

import configparser
import dataclasses
import os
from collections import OrderedDict
from typing import Dict, List

import numpy as np
from scipy.optimize import linear_sum_assignment

from d2track.utils.file_io import atomic_open
from d2track.utils.input_files import (
    InputFileError,
    read_lines,
    read_text,
    require_dir,
    require_file,
)

__all__ = [
    "MOTSequence",
    "read_mot_txt",
    "read_seqinfo",
    "load_trackeval_layout",
    "box_iou_xywh",
    "preprocess_sequence",
    "write_mot_txt",
]

NUM_COLUMNS = 10
PEDESTRIAN = 1
VALID_GT_CLASSES = tuple(range(1, 14))
DISTRACTOR_CLASSES = (2, 7, 8, 12)  # person_on_vehicle, static_person, distractor, reflection
MOT20_DISTRACTOR_CLASSES = DISTRACTOR_CLASSES + (6,)  # + non_mot_vehicle
BENCHMARKS = ("MOT15", "MOT16", "MOT17", "MOT20")
_EPS = np.finfo(np.float64).eps
_MIN_COLUMNS = {True: 8, False: 6}


def _split_by_frame(values, frames, num_frames):
    """Split ``values`` (R, ...) into ``num_frames`` arrays, keeping row order within a frame."""
    order = np.argsort(frames, kind="stable")
    bounds = np.searchsorted(frames[order], np.arange(1, num_frames + 2))
    return [values[order[bounds[t] : bounds[t + 1]]] for t in range(num_frames)]


def _pad_rows(rows, *, is_gt, what):
    """Return ``rows`` as (R, 10) float64, filling missing trailing columns."""
    rows = np.asarray(rows, dtype=np.float64)
    if rows.size == 0:
        return np.zeros((0, NUM_COLUMNS))
    if rows.ndim != 2 or not 6 <= rows.shape[1] <= NUM_COLUMNS:
        raise ValueError(f"{what}: expected an (R, 6..10) array, got shape {rows.shape}")
    fill = np.full((len(rows), NUM_COLUMNS), -1.0)
    if is_gt:
        fill[:, 6:8] = 1.0  # from_rows defaults: gt kept (conf 1) and pedestrian (class 1)
    fill[:, : rows.shape[1]] = rows
    return fill


def _first_problem(rows, *, is_gt, num_frames, ref):
    """Find the earliest invalid row of (R, 10) ``rows``.

    Args:
        ref (callable): row index -> how to name that row in a message (e.g. ``"line 3"``).

    Returns:
        ``(row_index, message)`` or None when every row is valid.
    """
    frame, ids, finite = rows[:, 0], rows[:, 1], np.isfinite(rows).all(axis=1)
    checks = [
        (~finite, lambda i: "non-finite value (nan or inf)"),
        (
            (frame != np.floor(frame)) | (frame < 1),
            lambda i: f"frame {frame[i]:g} is not an integer >= 1",
        ),
        ((ids != np.floor(ids)) | (ids < 0), lambda i: f"id {ids[i]:g} is not an integer >= 0"),
        ((rows[:, 4] < 0) | (rows[:, 5] < 0), lambda i: "negative width or height"),
    ]
    if num_frames is not None:
        checks.append((frame > num_frames, lambda i: f"frame {frame[i]:g} > length {num_frames}"))
    if not is_gt:
        message = "result class column {:g} > 1 (only pedestrian results are evaluated)"
        checks.append((np.trunc(rows[:, 7]) > 1, lambda i: message.format(rows[i, 7])))
    found = [(int(np.argmax(mask)), describe) for mask, describe in checks if mask.any()]
    order = np.lexsort((np.arange(len(rows)), ids, frame))
    both_finite = finite[order][1:] & finite[order][:-1]
    same = (np.diff(frame[order]) == 0) & (np.diff(ids[order]) == 0) & both_finite
    if same.any():
        later, earlier = order[1:][same], order[:-1][same]
        k = int(np.argmin(later))
        message = (
            f"id {ids[later[k]]:g} twice in frame {frame[later[k]]:g} (also {ref(earlier[k])})"
        )
        found.append((int(later[k]), lambda i: message))
    if not found:
        return None
    index, describe = min(found, key=lambda item: item[0])
    return index, describe(index)


@dataclasses.dataclass
class MOTSequence:
    """Ground truth and results of one sequence, split by frame.

    Every list has ``num_frames`` entries; entry ``t`` is frame ``t + 1`` and keeps the row order
    of the input within that frame. N is the number of gt boxes of the frame, M of result boxes.

    Attributes:
        name (str): sequence name.
        num_frames (int): sequence length.
        gt_ids (list[np.ndarray]): (N,) int64 track ids.
        gt_boxes (list[np.ndarray]): (N, 4) float64 ``x, y, w, h``.
        gt_classes (list[np.ndarray]): (N,) int64 class column, truncated toward zero.
        gt_conf (list[np.ndarray]): (N,) float64 conf column (0 = zero marked, ignored).
        gt_vis (list[np.ndarray]): (N,) float64 visibility column (-1 when absent).
        tracker_ids (list[np.ndarray]): (M,) int64 track ids.
        tracker_boxes (list[np.ndarray]): (M, 4) float64 ``x, y, w, h``.
        tracker_scores (list[np.ndarray]): (M,) float64 confidences.
    """

    name: str
    num_frames: int
    gt_ids: List[np.ndarray]
    gt_boxes: List[np.ndarray]
    gt_classes: List[np.ndarray]
    gt_conf: List[np.ndarray]
    gt_vis: List[np.ndarray]
    tracker_ids: List[np.ndarray]
    tracker_boxes: List[np.ndarray]
    tracker_scores: List[np.ndarray]

    def __post_init__(self):
        for field in dataclasses.fields(self)[2:]:
            if len(getattr(self, field.name)) != self.num_frames:
                raise ValueError(f"{self.name}: {field.name} needs one entry per frame")

    @classmethod
    def from_rows(cls, name, num_frames, gt_rows, tracker_rows):
        """Build a sequence from MOT txt-like rows (no files needed).

        Args:
            name (str): sequence name.
            num_frames (int): sequence length; frames must lie in ``1..num_frames``.
            gt_rows: (R, 6..10) ``frame, id, x, y, w, h[, conf, class, vis, z]``; a missing conf
                or class column defaults to 1 (kept, pedestrian), vis/z to -1. None = no gt.
            tracker_rows: (S, 6..10) ``frame, id, x, y, w, h[, score, class, ...]``; a missing
                score defaults to -1. None = no results.

        Raises:
            ValueError: naming the sequence and the first invalid row.
        """
        num_frames = int(num_frames)
        if num_frames < 1:
            raise ValueError(f"{name}: num_frames must be >= 1, got {num_frames}")
        gt = _pad_rows([] if gt_rows is None else gt_rows, is_gt=True, what=f"{name} gt_rows")
        trk = [] if tracker_rows is None else tracker_rows
        trk = _pad_rows(trk, is_gt=False, what=f"{name} tracker_rows")
        for rows, is_gt, what in ((gt, True, "gt_rows"), (trk, False, "tracker_rows")):
            problem = _first_problem(rows, is_gt=is_gt, num_frames=num_frames, ref="row {}".format)
            if problem is not None:
                raise ValueError(f"{name} {what} row {problem[0]}: {problem[1]}")
        gt_frame, trk_frame = gt[:, 0], trk[:, 0]
        return cls(
            name=str(name),
            num_frames=num_frames,
            gt_ids=_split_by_frame(gt[:, 1].astype(np.int64), gt_frame, num_frames),
            gt_boxes=_split_by_frame(gt[:, 2:6], gt_frame, num_frames),
            gt_classes=_split_by_frame(np.trunc(gt[:, 7]).astype(np.int64), gt_frame, num_frames),
            gt_conf=_split_by_frame(gt[:, 6], gt_frame, num_frames),
            gt_vis=_split_by_frame(gt[:, 8], gt_frame, num_frames),
            tracker_ids=_split_by_frame(trk[:, 1].astype(np.int64), trk_frame, num_frames),
            tracker_boxes=_split_by_frame(trk[:, 2:6], trk_frame, num_frames),
            tracker_scores=_split_by_frame(trk[:, 6], trk_frame, num_frames),
        )

    def gt_rows(self):
        """Return (R, 10) float64 ``frame, id, x, y, w, h, conf, class, vis, -1`` (frame order)."""
        columns = [self.gt_ids, self.gt_boxes, self.gt_conf, self.gt_classes, self.gt_vis]
        return self._rows(columns, extra=1)

    def tracker_rows(self):
        """Return (S, 10) float64 ``frame, id, x, y, w, h, score, -1, -1, -1`` (frame order)."""
        return self._rows([self.tracker_ids, self.tracker_boxes, self.tracker_scores], extra=3)

    def _rows(self, columns, *, extra):
        counts = [len(ids) for ids in columns[0]]
        frames = np.repeat(np.arange(1, self.num_frames + 1), counts).astype(np.float64)
        parts = [np.concatenate(c).astype(np.float64) for c in columns]
        parts = [part[:, None] if part.ndim == 1 else part for part in parts]
        return np.hstack([frames[:, None]] + parts + [np.full((len(frames), extra), -1.0)])


def _parse_line(path, number, line, *, is_gt):
    fields = [f.strip() for f in line.split(",")] if "," in line else line.split()
    if fields and fields[-1] == "":
        fields = fields[:-1]
    low = _MIN_COLUMNS[is_gt]
    if not low <= len(fields) <= NUM_COLUMNS:
        what = "ground truth" if is_gt else "results"
        raise InputFileError(
            path, f"{what} need {low} to {NUM_COLUMNS} columns, got {len(fields)}", number
        )
    try:
        return [float(field) for field in fields] + [-1.0] * (NUM_COLUMNS - len(fields))
    except ValueError:
        bad = next(f for f in fields if not _is_float(f))
        raise InputFileError(path, f"non-numeric value {bad!r}", number) from None


def _is_float(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_mot_txt(path, *, is_gt, num_frames=None):
    """Read a MOTChallenge gt or result txt file (format: docs/evaluation.md#mot).

    Args:
        path (str): the file.
        is_gt (bool): ground truth (8..10 columns) or results (6..10 columns).
        num_frames (int or None): sequence length; a larger frame is an error.

    Returns:
        np.ndarray: (R, 10) float64 rows in file order, missing columns filled with -1.

    Raises:
        InputFileError: naming ``path:line`` of the first malformed line.
    """
    numbers, rows = [], []
    for number, line in read_lines(path):
        numbers.append(number)
        rows.append(_parse_line(path, number, line, is_gt=is_gt))
    rows = np.asarray(rows, dtype=np.float64).reshape(-1, NUM_COLUMNS)
    problem = _first_problem(
        rows, is_gt=is_gt, num_frames=num_frames, ref=lambda i: f"line {numbers[i]}"
    )
    if problem is not None:
        raise InputFileError(path, problem[1], numbers[problem[0]])
    return rows


def read_seqinfo(path):
    """Read a MOTChallenge ``seqinfo.ini``.

    Args:
        path (str): the file; section ``[Sequence]`` with ``seqLength`` (required, >= 1) and
            optional ``name``, ``imWidth``, ``imHeight``.

    Returns:
        dict: ``{"name": str or None, "length": int, "width": int or None,
        "height": int or None}``.

    Raises:
        InputFileError: naming the file and the missing or invalid key.
    """
    parser = configparser.ConfigParser()
    text = read_text(path)  # a byte that is not UTF-8 raises naming the file and line
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as e:
        raise InputFileError(path, f"not a valid ini file ({e.message})") from None
    if not parser.has_section("Sequence"):
        raise InputFileError(path, "missing section [Sequence]")
    section = parser["Sequence"]
    info = {"name": section.get("name")}
    for key, field in (("length", "seqLength"), ("width", "imWidth"), ("height", "imHeight")):
        value = section.get(field)
        if value is None and key == "length":
            raise InputFileError(path, "missing key [Sequence] seqLength")
        if value is not None and not (value.strip().isdigit() and int(value) >= 1):
            raise InputFileError(path, f"[Sequence] {field} = {value!r} is not an integer >= 1")
        info[key] = None if value is None else int(value)
    return info


def load_trackeval_layout(gt_dir, results_dir, *, sequences=None):
    """Load sequences laid out as TrackEval's MotChallenge2DBox expects.

    Layout: ``<gt_dir>/<seq>/gt/gt.txt``, ``<gt_dir>/<seq>/seqinfo.ini`` and
    ``<results_dir>/<seq>.txt``. Without ``seqinfo.ini`` the length is the largest gt frame.

    Args:
        gt_dir (str): folder of sequence folders.
        results_dir (str): folder of one tracker's result files.
        sequences (list[str] or None): names to load, in this order; None = every folder of
            ``gt_dir`` with a ``gt/gt.txt``, sorted by name.

    Returns:
        OrderedDict[str, MOTSequence]

    Raises:
        InputFileError: naming a missing or malformed file (a missing result file too;
            an empty one means no results).
    """
    require_dir(gt_dir, "ground-truth folder")
    require_dir(results_dir, "results folder")
    if sequences is None:
        sequences = sorted(
            name
            for name in os.listdir(gt_dir)
            if os.path.isfile(os.path.join(gt_dir, name, "gt", "gt.txt"))
        )
        if not sequences:
            raise InputFileError(gt_dir, "no <seq>/gt/gt.txt found")
    return OrderedDict((name, _load_sequence(gt_dir, results_dir, name)) for name in sequences)


def _load_sequence(gt_dir, results_dir, name):
    gt_path = require_file(os.path.join(gt_dir, name, "gt", "gt.txt"), "ground-truth file")
    ini_path = os.path.join(gt_dir, name, "seqinfo.ini")
    if os.path.isfile(ini_path):
        length = read_seqinfo(ini_path)["length"]
        gt = read_mot_txt(gt_path, is_gt=True, num_frames=length)
    else:
        gt = read_mot_txt(gt_path, is_gt=True)
        if len(gt) == 0:
            raise InputFileError(gt_path, "empty and no seqinfo.ini: unknown sequence length")
        length = int(gt[:, 0].max())
    results_path = require_file(os.path.join(results_dir, f"{name}.txt"), "results file")
    results = read_mot_txt(results_path, is_gt=False, num_frames=length)
    return MOTSequence.from_rows(name, length, gt, results)


def box_iou_xywh(boxes1, boxes2):
    """IoU of every pair of ``x, y, w, h`` boxes, with TrackEval's arithmetic and epsilons.

    Args:
        boxes1: (N, 4) boxes.
        boxes2: (M, 4) boxes.

    Returns:
        np.ndarray: (N, M) float64 IoUs; 0 where either area or the union is <= eps.
    """
    b1 = np.array(boxes1, dtype=np.float64).reshape(-1, 4)
    b2 = np.array(boxes2, dtype=np.float64).reshape(-1, 4)
    b1[:, 2:] += b1[:, :2]
    b2[:, 2:] += b2[:, :2]
    low = np.maximum(b1[:, None, :2], b2[None, :, :2])
    high = np.minimum(b1[:, None, 2:], b2[None, :, 2:])
    side = np.maximum(high - low, 0)
    inter = side[..., 0] * side[..., 1]
    area1 = (b1[:, 2] - b1[:, 0]) * (b1[:, 3] - b1[:, 1])
    area2 = (b2[:, 2] - b2[:, 0]) * (b2[:, 3] - b2[:, 1])
    union = area1[:, None] + area2[None, :] - inter
    inter[area1 <= _EPS, :] = 0
    inter[:, area2 <= _EPS] = 0
    inter[union <= _EPS] = 0
    union[union <= _EPS] = 1
    return inter / union


def _distractor_matches(ious, gt_classes, distractors, iou_threshold):
    """Column indices of result boxes matched (Hungarian, IoU >= threshold) to distractor gt."""
    scores = ious.copy()
    scores[scores < iou_threshold - _EPS] = 0
    rows, cols = linear_sum_assignment(-scores)
    matched = scores[rows, cols] > _EPS
    rows, cols = rows[matched], cols[matched]
    return cols[np.isin(gt_classes[rows], distractors)]


def _check_gt_classes(seq):
    for t, classes in enumerate(seq.gt_classes):
        invalid = np.setdiff1d(classes, VALID_GT_CLASSES)
        if len(invalid) > 0:
            raise ValueError(
                f"{seq.name} frame {t + 1}: gt classes {invalid.tolist()} are not MOTChallenge "
                "classes 1..13 (use benchmark='MOT15' or do_preproc=False for such gt)"
            )


def _preprocess_frame(seq, t, *, preproc, distractors, iou_threshold):
    ious = box_iou_xywh(seq.gt_boxes[t], seq.tracker_boxes[t])
    keep_trk = np.ones(ious.shape[1], dtype=bool)
    if preproc and ious.size > 0:
        removed = _distractor_matches(ious, seq.gt_classes[t], distractors, iou_threshold)
        keep_trk[removed] = False
    keep_gt = np.trunc(seq.gt_conf[t]) != 0
    if preproc:
        keep_gt &= seq.gt_classes[t] == PEDESTRIAN
    return {
        "gt_ids_orig": seq.gt_ids[t][keep_gt],
        "gt_dets": seq.gt_boxes[t][keep_gt],
        "tracker_ids_orig": seq.tracker_ids[t][keep_trk],
        "tracker_dets": seq.tracker_boxes[t][keep_trk],
        "tracker_confidences": seq.tracker_scores[t][keep_trk],
        "similarity_scores": ious[keep_gt][:, keep_trk],
    }


def _relabel(ids_per_frame):
    """Map ids to 0..n-1 in increasing order; returns (relabelled list, n)."""
    unique = np.unique(np.concatenate(ids_per_frame))
    return [np.searchsorted(unique, ids).astype(np.int64) for ids in ids_per_frame], len(unique)


def preprocess_sequence(seq, *, benchmark="MOT17", do_preproc=True, iou_threshold=0.5):
    """TrackEval's MotChallenge2DBox preprocessing of one sequence (pedestrian class).

    Args:
        seq (MOTSequence): the sequence.
        benchmark (str): "MOT15" (never preprocessed), "MOT16", "MOT17" or "MOT20" (one more
            distractor class).
        do_preproc (bool): TrackEval's ``DO_PREPROC``; zero-marked gt is removed either way.
        iou_threshold (float): IoU to match a result box to a distractor (TrackEval: 0.5).

    Returns:
        dict: TrackEval's data dict: ``num_timesteps, num_gt_ids, num_tracker_ids, num_gt_dets,
        num_tracker_dets`` (int), ``seq`` (str), and per frame lists of ``gt_ids`` (N,) and
        ``tracker_ids`` (M,) int64 relabelled to 0..n-1, ``gt_dets`` (N, 4) and
        ``tracker_dets`` (M, 4) xywh, ``tracker_confidences`` (M,), ``similarity_scores``
        (N, M) IoU; plus ``gt_ids_orig``/``tracker_ids_orig`` (the ids before relabelling).
    """
    if benchmark not in BENCHMARKS:
        raise ValueError(f"benchmark must be one of {BENCHMARKS}, got {benchmark!r}")
    preproc = bool(do_preproc) and benchmark != "MOT15"
    distractors = MOT20_DISTRACTOR_CLASSES if benchmark == "MOT20" else DISTRACTOR_CLASSES
    if preproc:
        _check_gt_classes(seq)
    frames = [
        _preprocess_frame(
            seq, t, preproc=preproc, distractors=distractors, iou_threshold=iou_threshold
        )
        for t in range(seq.num_frames)
    ]
    data: Dict[str, object] = {key: [f[key] for f in frames] for key in frames[0]}
    data["gt_ids"], data["num_gt_ids"] = _relabel(data["gt_ids_orig"])
    data["tracker_ids"], data["num_tracker_ids"] = _relabel(data["tracker_ids_orig"])
    data["num_gt_dets"] = int(sum(len(ids) for ids in data["gt_ids"]))
    data["num_tracker_dets"] = int(sum(len(ids) for ids in data["tracker_ids"]))
    data["num_timesteps"] = seq.num_frames
    data["seq"] = seq.name
    return data


def _format_float(value):
    text = repr(value)  # shortest string that reads back as the same float64
    return text[:-2] if text.endswith(".0") else text


def write_mot_txt(path, rows):
    """Write results in the MOTChallenge format, atomically.

    Lines are ``frame,id,x,y,w,h,conf,-1,-1,-1`` sorted by frame then id (stable). Frame and id
    are printed as integers; x, y, w, h and conf as Python's ``repr`` of the float64 (the
    shortest decimal that reads back as the same value) without a trailing ``.0``: ``10.5``,
    ``100``, ``0.30000000000000004``, ``1e-07``; TrackEval and :func:`read_mot_txt` read the
    exact values back.

    Args:
        path (str): destination; its folder is created.
        rows: (R, 6..10) ``frame, id, x, y, w, h[, conf, ...]`` (e.g.
            :meth:`MOTSequence.tracker_rows`); a missing conf is written as -1.

    Raises:
        ValueError: on an invalid row (non-integer frame/id, negative size, duplicate id in a
            frame, non-finite value).
    """
    rows = _pad_rows(rows, is_gt=False, what=str(path))
    problem = _first_problem(rows, is_gt=False, num_frames=None, ref="row {}".format)
    if problem is not None:
        raise ValueError(f"rows for {path}, row {problem[0]}: {problem[1]}")
    rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
    with atomic_open(path, "w", encoding="utf-8") as f:
        for row in rows.tolist():
            numbers = ",".join(map(_format_float, row[2:7]))
            f.write(f"{int(row[0])},{int(row[1])},{numbers},-1,-1,-1\n")
