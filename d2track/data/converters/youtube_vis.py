"""YouTube-VIS 2019/2021 to CocoVID, used by ``datasets/prepare_youtube_vis.py``.

Input, the official layout: frames ``<root>/<split>/JPEGImages/<video>/<frame>.jpg`` and the
annotation json ``<root>/<split>.json`` (2019) or ``<root>/<split>/instances.json`` (2021), with
``videos`` (``id``, ``file_names``, ``width``, ``height``), ``categories`` and, for ``train``,
``annotations``: one per track with per-frame lists ``segmentations``, ``bboxes``, ``areas`` (null
where the object is absent).

Output: one image per listed frame (``file_name`` as in ``file_names``, relative to
``<split>/JPEGImages``), one annotation per (track, frame) with a box, keeping the segmentation as
given (polygons, compressed or uncompressed RLE), ``area`` (the official mask area; computed from
the mask when ``areas`` is missing) and ``iscrowd``. ``instance_id`` is 1, 2, ... in order of
the tracks' first appearance. Categories are the 40 of
:mod:`~d2track.data.datasets.builtin_meta` (official ids, names checked), all of them even when a
class has no object in the split, with the other fields of the official record (``supercategory``).
Videos are written in official id order and keep the official id as ``ytvis_video_id`` (equal to
``id`` when official ids are 1..N, as they are), needed to write result files, ``width``,
``height``, ``length`` (number of frames) and every other field of the official record
(``license``, ``coco_url``, ``flickr_url``, ``date_captured``, ...) except ``file_names``, which
become the images. The official ``info`` and ``licenses`` are kept at the top level.
"""

import json
import os
from dataclasses import dataclass

import pycocotools.mask as mask_util

from d2track.data.datasets.builtin_meta import YTVIS_2019_CATEGORIES, YTVIS_2021_CATEGORIES
from d2track.utils.input_files import InputFileError, read_text, require_dir

from .cocovid_writer import CocoVidWriter
from .common import progress

__all__ = ["SPLITS", "CATEGORIES", "OfficialJson", "official_json_path", "read_official"]
__all__ += ["convert_split"]

SPLITS = ("train", "valid", "test")
CATEGORIES = {"2019": YTVIS_2019_CATEGORIES, "2021": YTVIS_2021_CATEGORIES}


def official_json_path(root, version, split):
    """``<root>/<split>.json`` (2019) or ``<root>/<split>/instances.json`` (2021)."""
    if version == "2019":
        return os.path.join(root, f"{split}.json")
    return os.path.join(root, split, "instances.json")


@dataclass
class OfficialJson:
    """An official json, checked: ``videos`` (sorted by id), ``tracks`` (video id -> tracks),
    ``categories`` (the builtin list, with the official records' other fields) and
    ``top_level`` (``info`` and ``licenses``, when present)."""

    videos: list
    tracks: dict
    categories: list
    top_level: dict


def read_official(path, version):
    """Load and check an official json; returns an :class:`OfficialJson`.

    Raises:
        InputFileError: naming ``path`` and the offending record.
    """
    text = read_text(path, f"YouTube-VIS {version} annotation json")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputFileError(path, f"not valid json: {e.msg}", e.lineno) from None
    if not isinstance(data, dict) or not isinstance(data.get("videos"), list):
        raise InputFileError(path, "expected an object with a 'videos' list")
    _check_categories(data.get("categories", []), CATEGORIES[version], path)
    videos = [_check_video(v, k, path) for k, v in enumerate(data["videos"])]
    tracks = _index_tracks(data.get("annotations") or [], videos, version, path)
    official = {c["id"]: c for c in data.get("categories", [])}
    # builtin name and id first, then the official record's other fields (supercategory, ...)
    categories = [{**c, **official.get(c["id"], {}), **c} for c in CATEGORIES[version]]
    top_level = {k: data[k] for k in ("info", "licenses") if k in data}
    return OfficialJson(sorted(videos, key=lambda v: v["id"]), tracks, categories, top_level)


def _index_tracks(records, videos, version, path):
    lengths = {v["id"]: len(v["file_names"]) for v in videos}
    known = (lengths, {c["id"] for c in CATEGORIES[version]})
    tracks, seen = {v["id"]: [] for v in videos}, set()
    for k, track in enumerate(records):
        track = _check_track(track, k, known, path)
        if track["id"] in seen:
            raise InputFileError(path, f"{_label('annotations', k, track)}: duplicate id")
        seen.add(track["id"])
        tracks[track["video_id"]].append(track)
    return tracks


def _label(section, index, record):
    return (
        f"{section}[{index}] (id={record.get('id')})"
        if isinstance(record, dict)
        else f"{section}[{index}]"
    )


def _check_categories(categories, expected, path):
    names = {c["id"]: c["name"] for c in expected}
    for k, cat in enumerate(categories):
        if not isinstance(cat, dict) or cat.get("id") not in names:
            raise InputFileError(path, f"{_label('categories', k, cat)}: unknown id")
        if _norm(cat.get("name")) != _norm(names[cat["id"]]):
            raise InputFileError(
                path,
                f"{_label('categories', k, cat)}: name {cat.get('name')!r}, "
                f"expected {names[cat['id']]!r}",
            )


def _norm(name):
    return str(name).lower().replace(" ", "_")


def _check_video(video, index, path):
    label = _label("videos", index, video)
    if not isinstance(video, dict):
        raise InputFileError(path, f"{label}: not an object")
    for key in ("id", "width", "height"):
        if type(video.get(key)) is not int:
            raise InputFileError(path, f"{label}: {key} {video.get(key)!r} is not an integer")
    names = video.get("file_names")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise InputFileError(path, f"{label}: file_names is not a non-empty list of names")
    return video


def _check_track(track, index, known, path):
    (lengths, category_ids), label = known, _label("annotations", index, track)
    if not isinstance(track, dict) or type(track.get("id")) is not int:
        raise InputFileError(path, f"{label}: missing integer id")
    for key, allowed in (("video_id", lengths), ("category_id", category_ids)):
        if track.get(key) not in allowed:
            raise InputFileError(path, f"{label}: {key} {track.get(key)!r} is unknown")
    length = lengths[track["video_id"]]
    for key in ("bboxes", "segmentations", "areas"):
        values = track.get(key)
        if (key != "areas" or values is not None) and not _is_list(values, length):
            raise InputFileError(path, f"{label}: {key} is not a list of {length}")
    for frame, box in enumerate(track["bboxes"]):
        if box is not None and not _is_box(box):
            raise InputFileError(path, f"{label}: bboxes[{frame}] {box!r:.60} is not a box")
    for frame, segm in enumerate(track["segmentations"]):
        if segm is not None and not _is_segmentation(segm):
            raise InputFileError(path, f"{label}: segmentations[{frame}] is not RLE/polygons")
    return track


def _is_segmentation(segm):
    if isinstance(segm, dict):
        return "counts" in segm and isinstance(segm.get("size"), list) and len(segm["size"]) == 2
    return isinstance(segm, list) and all(isinstance(p, list) for p in segm)


def _is_list(values, length):
    return isinstance(values, list) and len(values) == length


def _is_box(box):
    numbers = isinstance(box, list) and len(box) == 4
    return numbers and all(type(v) in (int, float) for v in box) and min(box[2:]) >= 0


def convert_split(root, version, split, json_path):
    """Convert one split; returns the writer's summary."""
    official = official_json_path(root, version, split)
    data = read_official(official, version)
    image_root = require_dir(os.path.join(root, split, "JPEGImages"), "JPEGImages folder")
    writer = CocoVidWriter(data.categories, **data.top_level)
    instance_ids = {}
    for video in progress(data.videos, desc=f"youtube_vis_{version}_{split}"):
        _check_frames(image_root, video, official)
        _add_video(writer, video, data.tracks[video["id"]], instance_ids)
    return writer.write(json_path)


def _check_frames(image_root, video, official):
    for name in video["file_names"]:
        if not os.path.isfile(os.path.join(image_root, name)):
            path = os.path.join(image_root, name)
            raise InputFileError(path, f"missing frame of video {video['id']} in {official}")


def _add_video(writer, video, tracks, instance_ids):
    name = os.path.dirname(video["file_names"][0])
    size = {"width": video["width"], "height": video["height"]}
    other = {k: v for k, v in video.items() if k not in ("id", "file_names", "name")}
    other.update(ytvis_video_id=video["id"], length=len(video["file_names"]), **size)
    video_id = writer.add_video(name, **other)
    for frame, file_name in enumerate(video["file_names"]):
        image_id = writer.add_image(file_name=file_name, video_id=video_id, frame_id=frame, **size)
        for track in tracks:
            if track["bboxes"][frame] is not None:
                instance = instance_ids.setdefault(track["id"], len(instance_ids) + 1)
                _add_annotation(writer, image_id, track, frame, instance)


def _add_annotation(writer, image_id, track, frame, instance_id):
    extra = {"iscrowd": int(bool(track.get("iscrowd", 0)))}
    segmentation = track["segmentations"][frame]
    if segmentation is not None:
        extra["segmentation"] = segmentation
    area = track["areas"][frame] if track.get("areas") else None
    if area is None and segmentation:
        area = _mask_area(segmentation, writer.images[-1])
    if area is not None:
        extra["area"] = float(area)
    writer.add_annotation(
        image_id=image_id,
        category_id=track["category_id"],
        bbox=track["bboxes"][frame],
        instance_id=instance_id,
        **extra,
    )


def _mask_area(segmentation, image):
    """Mask area of polygons or RLE (for tracks without ``areas``)."""
    height, width = image["height"], image["width"]
    if isinstance(segmentation, dict):
        size = segmentation.get("size", [height, width])
        rle = segmentation
        if isinstance(rle.get("counts"), list):
            rle = mask_util.frPyObjects(segmentation, *size)
        return mask_util.area(rle)
    return mask_util.area(mask_util.merge(mask_util.frPyObjects(segmentation, height, width)))
