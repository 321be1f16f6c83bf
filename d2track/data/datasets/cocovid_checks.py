"""Validation of CocoVID json content, with errors that name the file, the record and the field.

:func:`check_cocovid` checks everything the loader relies on and reports all problems it finds at
once (up to :data:`MAX_REPORTED`), each as ``<record>: <field>: <problem>``, for example
``annotations[7] (id=9): bbox: width -3 < 0``.

Required: top-level ``images`` and ``categories`` (``videos`` and ``annotations`` are optional:
image sets have no videos, test splits no annotations); per image ``id``, ``file_name``,
``height``, ``width`` and, with a ``video_id``, ``frame_id`` (0-based and contiguous per video);
per annotation ``id``, ``image_id``, ``category_id``, ``bbox`` (``[x, y, w, h]`` with
``w, h >= 0``, or the 8 corners of a VOT quadrilateral) and, in a video, ``instance_id``.

A json whose ``videos`` list is not empty is a video set: every image needs a ``video_id`` (an
image without one would silently become a one-frame video of its own, splitting its video).
Image sets (ImageNet DET, CrowdHuman, COCO) have no ``videos``, or an empty list. A track whose
category changes from frame to frame is allowed but logged as a warning naming video and instance.
"""

import logging
import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

__all__ = ["CocoVidFormatError", "CocoVidTables", "check_cocovid", "MAX_REPORTED"]

logger = logging.getLogger(__name__)

MAX_REPORTED = 20
_REQUIRED = {
    "categories": ("id", "name"),
    "videos": ("id",),
    "images": ("id", "file_name", "height", "width"),
    "annotations": ("id", "image_id", "category_id", "bbox"),
}


class CocoVidFormatError(ValueError):
    """A CocoVID json breaks the format; the message names the file, each record and field."""


@dataclass
class CocoVidTables:
    """Validated json content, indexed by id (``{id: (position in the json list, record)}``).

    Attributes:
        categories, videos, images (dict[int, tuple[int, dict]]): the json records by id.
        frames (dict[int, list[int]]): video id -> image ids in frame order (frame 0 first).
        singles (list[int]): sorted ids of the images without ``video_id`` (one-frame videos;
            only in jsons without videos).
        anns_by_image (dict[int, list[dict]]): image id -> its annotations, in json order.
        max_instance_id (int): largest ``instance_id`` in the json, -1 if none.
    """

    categories: dict
    videos: dict
    images: dict
    frames: dict
    singles: list
    anns_by_image: dict
    max_instance_id: int


class _Problems:
    def __init__(self, json_file):
        self.json_file, self.items = json_file, []

    def add(self, where, field, message):
        """``where``: a label, or ``(section, index, record)`` (formatted only on a problem)."""
        self.items.append(
            f"{where if isinstance(where, str) else _label(*where)}: {field}: {message}"
        )

    def raise_if_any(self):
        if not self.items:
            return
        shown = self.items[:MAX_REPORTED]
        more = len(self.items) - len(shown)
        lines = shown + ([f"... and {more} more"] if more else [])
        head = f"{self.json_file}: {len(self.items)} problem(s) in this CocoVID json:"
        raise CocoVidFormatError("\n  ".join([head] + lines))


def _label(section, index, record):
    return f"{section}[{index}] (id={record['id']})" if "id" in record else f"{section}[{index}]"


def check_cocovid(data, json_file):
    """Check a parsed CocoVID json and index it.

    Args:
        data (dict): the parsed json.
        json_file (str): its path, named in error messages.

    Returns:
        CocoVidTables

    Raises:
        CocoVidFormatError: listing every problem found (file, record, field).
    """
    problems = _Problems(json_file)
    _check_top_level(data, problems)
    problems.raise_if_any()
    tables = {s: _index(data.get(s, []), s, problems) for s in _REQUIRED}
    problems.raise_if_any()  # later checks need complete, unique records
    frames, singles = _check_images(tables["images"], tables["videos"], problems)
    anns_by_image, max_instance_id = _check_annotations(tables, problems)
    problems.raise_if_any()
    _warn_category_changes(frames, tables["videos"], anns_by_image, json_file)
    return CocoVidTables(
        categories=tables["categories"],
        videos=tables["videos"],
        images=tables["images"],
        frames=frames,
        singles=singles,
        anns_by_image=anns_by_image,
        max_instance_id=max_instance_id,
    )


def _check_top_level(data, problems):
    if not isinstance(data, dict):
        problems.add("<top level>", "-", f"expected a json object, got {type(data).__name__}")
        return
    for section in _REQUIRED:
        if section not in data and section in ("images", "categories"):
            problems.add("<top level>", section, "missing key")
        elif section in data and not isinstance(data[section], list):
            problems.add("<top level>", section, f"expected a list, got {type(data[section])}")


def _index(records, section, problems):
    by_id = {}
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            problems.add(f"{section}[{index}]", "-", f"expected an object, got {record!r:.40}")
            continue
        missing = [key for key in _REQUIRED[section] if key not in record]
        for key in missing:
            problems.add((section, index, record), key, "missing key")
        if missing:
            continue
        if type(record["id"]) is not int:
            problems.add((section, index, record), "id", "is not an integer")
            continue
        if record["id"] in by_id:
            first = by_id[record["id"]][0]
            problems.add((section, index, record), "id", f"duplicate of {section}[{first}]")
            continue
        by_id[record["id"]] = (index, record)
    return by_id


def _check_images(images, videos, problems):
    by_video, singles = defaultdict(dict), []
    for image_id, (index, image) in images.items():
        label = ("images", index, image)
        for key in ("height", "width"):
            if not _is_number(image[key]) or image[key] <= 0:
                problems.add(label, key, f"{image[key]!r} is not a positive number")
        if "video_id" not in image:
            singles.append(image_id)
            if videos:
                message = f"missing key (file_name {image['file_name']!r}; the json has videos)"
                problems.add(label, "video_id", message)
        elif image["video_id"] not in videos:
            problems.add(label, "video_id", f"{image['video_id']!r} is not in videos")
        elif "frame_id" not in image:
            problems.add(label, "frame_id", "missing key (the image has a video_id)")
        elif image["frame_id"] in by_video[image["video_id"]]:
            other = images[by_video[image["video_id"]][image["frame_id"]]][0]
            problems.add(label, "frame_id", f"{image['frame_id']!r} repeats images[{other}]")
        else:
            by_video[image["video_id"]][image["frame_id"]] = image_id
    if videos and images and len(singles) == len(images):
        message = f"none of the {len(images)} images has one, but the json has {len(videos)} videos"
        problems.items.insert(0, f"<top level>: video_id: {message}")
    frames = {v: _check_frames(v, videos[v], by_video[v], problems) for v in sorted(by_video)}
    return frames, sorted(singles)


def _check_frames(video_id, video_entry, frame_to_image, problems):
    index, video = video_entry
    label, length = _label("videos", index, video), len(frame_to_image)
    frame_ids = sorted(frame_to_image, key=_frame_order)
    if frame_ids != list(range(length)):
        got = _ranges(frame_ids)
        problems.add(
            label, "frame_id", f"frame ids must be 0..{length - 1} (0-based, contiguous); got {got}"
        )
    if "length" in video and video["length"] != length:
        problems.add(label, "length", f"{video['length']!r} but {length} images in this video")
    return [frame_to_image[f] for f in frame_ids]


def _frame_order(frame_id):
    # frame ids should be ints; anything else sorts last and is reported, not crashed on
    return (0, frame_id, "") if _is_number(frame_id) else (1, 0, str(frame_id))


def _ranges(values):
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return ", ".join(repr(v) for v in values[:10])
    runs, start = [], values[0]
    for prev, cur in zip(values, values[1:] + [None]):
        if cur != prev + 1:
            runs.append(f"{start}" if start == prev else f"{start}..{prev}")
            start = cur
    return ", ".join(runs)


def _check_annotations(tables, problems):
    images, categories = tables["images"], tables["categories"]
    by_image, max_instance_id = defaultdict(list), -1
    seen = set()  # (image id, instance id): an identity appears once per frame
    _check_bboxes(list(tables["annotations"].values()), problems)
    for index, ann in tables["annotations"].values():
        label = ("annotations", index, ann)
        if ann["image_id"] not in images:
            problems.add(label, "image_id", f"{ann['image_id']!r} is not in images")
            continue
        image = images[ann["image_id"]][1]
        if ann["category_id"] not in categories:
            problems.add(label, "category_id", f"{ann['category_id']!r} is not in categories")
        if ann.get("segmentation"):
            _check_segmentation(ann["segmentation"], image, label, problems)
        instance_id = _check_identity(ann, image, label, problems)
        if instance_id is not None:
            if (ann["image_id"], instance_id) in seen:
                problems.add(label, "instance_id", f"{instance_id} twice in image {image['id']}")
            seen.add((ann["image_id"], instance_id))
            max_instance_id = max(max_instance_id, instance_id)
        by_image[ann["image_id"]].append(ann)
    return dict(by_image), max_instance_id


def _check_identity(ann, image, label, problems):
    video_id = image.get("video_id")
    if "video_id" in ann and video_id is not None and ann["video_id"] != video_id:
        problems.add(label, "video_id", f"{ann['video_id']!r} but its image is in video {video_id}")
    if "instance_id" not in ann:
        if "video_id" in image:
            problems.add(label, "instance_id", "missing key (required in videos)")
        return None
    if type(ann["instance_id"]) is not int:
        problems.add(label, "instance_id", f"{ann['instance_id']!r} is not an integer")
        return None
    return ann["instance_id"]


def _warn_category_changes(frames, videos, anns_by_image, json_file):
    """Log one warning listing the tracks (video, instance) whose category changes."""
    first, changes = {}, {}  # (video id, instance id) -> (category id, image id)
    for video_id, image_ids in frames.items():
        for image_id in image_ids:
            for ann in anns_by_image.get(image_id, ()):
                key, value = (video_id, ann["instance_id"]), (ann["category_id"], image_id)
                seen = first.setdefault(key, value)
                if seen[0] != value[0] and key not in changes:
                    changes[key] = (key, seen, value)
    changes = list(changes.values())
    if not changes:
        return
    lines = [_category_change(videos, *change) for change in changes[:MAX_REPORTED]]
    more = len(changes) - len(lines)
    logger.warning(
        f"{json_file}: {len(changes)} track(s) change category:\n  "
        + "\n  ".join(lines + ([f"... and {more} more"] if more else []))
    )


def _category_change(videos, key, seen, value):
    video = videos[key[0]][1]
    name = f" ({video['name']})" if "name" in video else ""
    return (
        f"video {key[0]}{name}: instance_id {key[1]}: category_id {seen[0]} (image {seen[1]})"
        f" -> {value[0]} (image {value[1]})"
    )


def _check_bboxes(entries, problems):
    """Check all boxes at once with numpy; look closer only at suspects (or at all if ragged)."""
    try:
        boxes = np.asarray([ann["bbox"] for _, ann in entries], dtype=np.float64)
    except (TypeError, ValueError):  # ragged, or not numbers
        boxes = None
    if boxes is None or boxes.ndim != 2 or boxes.shape[1] not in (4, 8):
        suspects = range(len(entries))
    else:
        bad = ~np.isfinite(boxes).all(axis=1)
        if boxes.shape[1] == 4:
            bad |= (boxes[:, 2] < 0) | (boxes[:, 3] < 0)
        suspects = np.flatnonzero(bad)
    for i in suspects:
        index, ann = entries[i]
        _check_bbox(ann["bbox"], ("annotations", index, ann), problems)


def _check_bbox(bbox, label, problems):
    if not isinstance(bbox, (list, tuple)) or len(bbox) not in (4, 8):
        problems.add(label, "bbox", f"{bbox!r:.60} is not [x, y, w, h] (or 8 quad corners)")
    elif not all(_is_number(v) and math.isfinite(v) for v in bbox):
        problems.add(label, "bbox", f"{bbox!r} has a value that is not a finite number")
    elif len(bbox) == 4:
        for name, value in (("width", bbox[2]), ("height", bbox[3])):
            if value < 0:
                problems.add(label, "bbox", f"{name} {value} < 0")


def _check_segmentation(segm, image, label, problems):
    if isinstance(segm, dict):
        if "counts" not in segm or "size" not in segm:
            problems.add(label, "segmentation", "RLE needs 'counts' and 'size'")
        elif list(segm["size"]) != [image["height"], image["width"]]:
            size = [image["height"], image["width"]]
            problems.add(label, "segmentation", f"RLE size {segm['size']} != image size {size}")
    elif not isinstance(segm, list) or not all(isinstance(p, list) for p in segm):
        problems.add(label, "segmentation", "expected a list of polygons or an RLE dict")


def _is_number(value):
    return type(value) in (int, float)  # not bool; json gives no other number types
