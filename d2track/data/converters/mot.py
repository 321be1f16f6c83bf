"""MOTChallenge (MOT15/16/17/20) to CocoVID, shared by ``datasets/prepare_mot*.py``.

Input: the official layout ``<root>/{train,test}/<SEQ>/{seqinfo.ini, img1/000001.jpg,
gt/gt.txt (train only), det/det.txt}``. Sequences without ``seqinfo.ini`` (some of MOT15) take
their length from ``img1`` and their size from its first image. Frame files are numbered with as
many digits as ``img1`` uses (:func:`frame_digits`: 6 in MOTChallenge and SportsMOT, 8 in
DanceTrack). Benchmarks in the same format with other split folders (DanceTrack's and SportsMOT's
``train/val/test``, :mod:`.dancetrack`, :mod:`.sportsmot`) pass their ``folder`` to
:func:`convert_split`.

Videos keep what ``seqinfo.ini`` holds, with MMTracking's names where it has them: ``fps``
(``frameRate``), ``width`` (``imWidth``), ``height`` (``imHeight``), plus ``length`` (frames in
this json) and ``mot_seq_length`` (``seqLength``, the whole sequence: half splits hold part of it).

Ground truth (``gt.txt``: frame, id, x, y, w, h, considered flag, class, visibility) follows
TrackEval's ``MotChallenge2DBox``: pedestrians (class 1) are category 1; the distractor classes
(:func:`distractor_classes`) are kept as category 1 with ``ignore: true``, as are rows whose
considered flag is 0 (so that evaluation, which reads only the pedestrian category, sees them as
ignore regions). Rows of every other class (cars, occluders, ...) are kept too, under their
MOTChallenge class id as category (the json lists all 13 classes, as MMTracking's does); the
builtin splits load only pedestrians. MOT15 rows are ``frame, id, x, y, w, h, conf, wx, wy, wz``:
they are pedestrians without ``visibility``, and keep their world coordinates as
``mot_world_xyz`` where they are given (not ``-1``). Annotations keep ``visibility``,
``mot_instance_id`` (the gt id), ``mot_conf`` and ``mot_class_id``; ``instance_id`` is unique in
the json. MOT17's three copies of each sequence (-DPM, -FRCNN, -SDP) are all kept, as MMTracking
does.

Half splits cut each train sequence after frame ``num_frames // 2 + 1``: ``half-train`` holds the
MOT frames ``1..cut``, ``half-val`` the rest; ``frame_id`` restarts at 0 and images keep the 1-based
MOT frame number as ``mot_frame_id``.

Public detections (``--convert-det``) go to ``<split>_detections.json``:
``{"<SEQ>": {"<frame_id>": [[x1, y1, x2, y2, score], ...]}}``, ``frame_id`` 0-based in that split
(as a string key), only frames with detections listed.
"""

import configparser
import os

import cv2

from d2track.data.datasets.builtin_meta import MOTCHALLENGE_CLASSES
from d2track.utils.input_files import (
    InputFileError,
    read_lines,
    read_text,
    require_dir,
    require_file,
)

from .cocovid_writer import CocoVidWriter

__all__ = [
    "SPLITS",
    "distractor_classes",
    "read_seqinfo",
    "frame_digits",
    "read_gt",
    "read_det",
    "split_frames",
    "categories",
    "list_sequences",
    "convert_split",
]

SPLITS = ("train", "test", "half-train", "half-val")
_DISTRACTORS = (2, 7, 8, 12)  # person_on_vehicle, static_person, distractor, reflection


def distractor_classes(benchmark):
    """Class ids kept as ignored regions; MOT20 adds ``non_mot_vehicle`` (6), as TrackEval does."""
    return _DISTRACTORS + (6,) if benchmark == "MOT20" else _DISTRACTORS


def read_seqinfo(seq_dir):
    """Return ``{"length", "width", "height", "ext"}`` and, when ``seqinfo.ini`` gives it,
    ``"fps"`` (``frameRate``) of a sequence folder."""
    require_dir(os.path.join(seq_dir, "img1"), "img1 folder")
    ini = os.path.join(seq_dir, "seqinfo.ini")
    if not os.path.isfile(ini):
        return _infer_seqinfo(seq_dir)
    parser = configparser.ConfigParser()
    try:
        parser.read_string(read_text(ini, "seqinfo.ini"), source=ini)
    except configparser.Error as e:
        raise InputFileError(ini, f"not a valid ini file ({e.message})") from None
    if "Sequence" not in parser:
        raise InputFileError(ini, "no [Sequence] section")
    section = parser["Sequence"]
    try:
        info = {k: int(section[key]) for k, key in _INI_KEYS.items()}
    except (KeyError, ValueError) as e:
        raise InputFileError(ini, f"missing or non-integer key {e}") from None
    info["ext"] = section.get("imExt", ".jpg")
    if section.get("frameRate", "").strip():
        try:
            info["fps"] = int(section["frameRate"])
        except ValueError:
            raise InputFileError(ini, f"frameRate {section['frameRate']!r} is not an integer")
    return info


_INI_KEYS = {"length": "seqLength", "width": "imWidth", "height": "imHeight"}


def _infer_seqinfo(seq_dir):
    img_dir = require_dir(os.path.join(seq_dir, "img1"), "img1 folder (and no seqinfo.ini)")
    names = sorted(n for n in os.listdir(img_dir) if n.lower().endswith((".jpg", ".png")))
    if not names:
        raise InputFileError(img_dir, "no images (and no seqinfo.ini)")
    image = cv2.imread(os.path.join(img_dir, names[0]))
    if image is None:
        raise InputFileError(os.path.join(img_dir, names[0]), "unreadable image")
    ext = os.path.splitext(names[0])[1]
    return {"length": len(names), "width": image.shape[1], "height": image.shape[0], "ext": ext}


def frame_digits(seq_dir, ext, default=6):
    """Digits of the frame file names in ``<seq_dir>/img1`` (``000001.jpg``: 6), read from the
    first file with extension ``ext``; ``default`` if there is none.

    Raises:
        InputFileError: if that file name is not a frame number.
    """
    img_dir = require_dir(os.path.join(seq_dir, "img1"), "img1 folder")
    with os.scandir(img_dir) as entries:
        name = next((e.name for e in entries if e.name.endswith(ext)), None)
    if name is None:
        return default
    stem = name[: -len(ext)] if ext else name
    if not stem.isdigit():
        raise InputFileError(os.path.join(img_dir, name), "frame file name is not a frame number")
    return len(stem)


def _numbers(path, number, line, min_cols):
    fields = line.split(",")
    if len(fields) < min_cols:
        raise InputFileError(path, f"expected >= {min_cols} columns, got {len(fields)}", number)
    try:
        return [float(v) for v in fields]
    except ValueError:
        raise InputFileError(path, f"non-numeric value in {line!r}", number) from None


def read_gt(path):
    """Rows of a ``gt.txt`` in file order: dicts with ``frame id box conf cls vis`` and ``xyz``
    (columns 8-10 as floats, MOT15's world coordinates; None if the row is shorter)."""
    rows = []
    for number, line in read_lines(path):
        v = _numbers(path, number, line, 9)
        frame, tid, cls = int(v[0]), int(v[1]), int(v[7])
        xyz = v[7:10] if len(v) >= 10 else None
        rows.append(dict(frame=frame, id=tid, box=v[2:6], conf=v[6], cls=cls, vis=v[8], xyz=xyz))
    return rows


def read_det(path):
    """A ``det.txt`` as ``{mot_frame: [[x1, y1, x2, y2, score], ...]}``."""
    dets = {}
    for number, line in read_lines(path):
        v = _numbers(path, number, line, 7)
        x, y, w, h = v[2:6]
        dets.setdefault(int(v[0]), []).append([x, y, x + w, y + h, v[6]])
    return dets


def split_frames(length, split):
    """1-based MOT frame numbers of a sequence of ``length`` frames in ``split``."""
    cut = length // 2 + 1
    if split == "half-train":
        return list(range(1, min(cut, length) + 1))
    if split == "half-val":
        return list(range(cut + 1, length + 1))
    return list(range(1, length + 1))


def list_sequences(input_root, split, folder=None):
    """Sorted sequence folder names of ``<input_root>/{train,test}`` (or of ``folder``)."""
    folder = require_dir(folder or _split_folder(input_root, split))
    names = sorted(n for n in os.listdir(folder) if os.path.isdir(os.path.join(folder, n)))
    if not names:
        raise InputFileError(folder, "no sequence folders")
    return names


def _split_folder(input_root, split):
    return os.path.join(input_root, "test" if split == "test" else "train")


def _gt_fields(row, benchmark):
    """``(category id, annotation fields)`` of a gt row (see the module docstring)."""
    cls = 1 if benchmark == "MOT15" else row["cls"]  # MOT15's columns 8-10 are world x, y, z
    fields = dict(mot_instance_id=row["id"], mot_conf=row["conf"], mot_class_id=cls)
    if benchmark == "MOT15":
        if row["xyz"] is not None and any(v != -1 for v in row["xyz"]):
            fields["mot_world_xyz"] = row["xyz"]
    elif row["vis"] >= 0:
        fields["visibility"] = row["vis"]
    distractor = cls in distractor_classes(benchmark)
    fields["ignore"] = distractor or row["conf"] == 0
    return (1 if distractor else cls), fields


def categories():
    """The 13 MOTChallenge classes as json categories (pedestrian is id 1)."""
    return [{"id": k, "name": name} for k, name in sorted(MOTCHALLENGE_CLASSES.items())]


def _add_sequence(writer, seq_dir, name, split, benchmark, track_ids):
    info = read_seqinfo(seq_dir)
    digits = frame_digits(seq_dir, info["ext"])
    frames = split_frames(info["length"], split)
    video = {"fps": info["fps"]} if "fps" in info else {}
    video.update(width=info["width"], height=info["height"], length=len(frames))
    video_id = writer.add_video(name, **video, mot_seq_length=info["length"])
    image_ids = {}
    for frame_id, mot_frame in enumerate(frames):
        image_ids[mot_frame] = writer.add_image(
            file_name=f"{name}/img1/{mot_frame:0{digits}d}{info['ext']}",
            height=info["height"],
            width=info["width"],
            video_id=video_id,
            frame_id=frame_id,
            mot_frame_id=mot_frame,
        )
    if split != "test":
        gt = read_gt(require_file(os.path.join(seq_dir, "gt", "gt.txt"), "gt/gt.txt"))
        for row in sorted(gt, key=lambda r: r["frame"]):
            if row["frame"] not in image_ids:
                continue
            category_id, fields = _gt_fields(row, benchmark)
            key = (video_id, row["id"])
            track_ids.setdefault(key, len(track_ids) + 1)
            writer.add_annotation(
                image_id=image_ids[row["frame"]],
                category_id=category_id,
                bbox=row["box"],
                instance_id=track_ids[key],
                **fields,
            )
    return frames


def _split_dets(seq_dir, frames):
    dets = read_det(require_file(os.path.join(seq_dir, "det", "det.txt"), "det/det.txt"))
    return {str(i): dets[f] for i, f in enumerate(frames) if f in dets}


def convert_split(
    input_root, benchmark, split, *, convert_det=False, sequences=None, folder=None, names=None
):
    """Convert one split.

    Args:
        input_root (str): the MOT root holding ``train/`` and ``test/``.
        benchmark (str): ``MOT15``, ``MOT16``, ``MOT17`` or ``MOT20`` (another name, e.g.
            ``DanceTrack``, reads gt rows as MOT17's).
        split (str): one of :data:`SPLITS`, or a benchmark's own full split (``val``); only
            ``test`` has no ground truth, only the half splits cut sequences.
        convert_det (bool): also read the public detections.
        sequences (iterable or None): wraps the sequence names (e.g. a progress bar).
        folder (str or None): the folder holding the split's sequences (default: ``test/`` of
            ``input_root`` for ``test``, else ``train/``).
        names (list[str] or None): convert only these sequences of ``folder`` (default: all).

    Returns:
        tuple[CocoVidWriter, dict or None]: the json builder and the detections (see module doc).
    """
    writer = CocoVidWriter(categories())
    folder = folder or _split_folder(input_root, split)
    names = list_sequences(input_root, split, folder) if names is None else list(names)
    track_ids, dets = {}, {} if convert_det else None
    for name in names if sequences is None else sequences(names):
        seq_dir = os.path.join(folder, name)
        frames = _add_sequence(writer, seq_dir, name, split, benchmark, track_ids)
        if convert_det:
            dets[name] = _split_dets(seq_dir, frames)
    return writer, dets
