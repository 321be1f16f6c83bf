"""CocoVID json loading and registration: one Detectron2 dataset dict per frame.

CocoVID is COCO plus ``videos``, per image ``video_id`` and ``frame_id`` (0-based, contiguous per
video) and per annotation ``instance_id`` (track identity). Optional fields kept when present:
image ``is_vid_train_frame``; annotation ``iscrowd``, ``ignore``, ``visibility``, ``segmentation``.
Images without ``video_id`` (ImageNet DET, CrowdHuman, COCO: jsons without ``videos``) become
one-frame videos, so image and video sets share one dict layout; in a json with videos, an image
without ``video_id`` is an error (see :mod:`.cocovid_checks`).
:func:`~.video_index.build_video_index` gives the per-video view (frames in order, tracks) that
frame samplers and video samplers need.
"""

import contextlib
import gc
import json
import logging
import os
from collections import Counter
from functools import partial

import pycocotools.mask as mask_util
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.structures import BoxMode
from detectron2.utils.file_io import PathManager
from fvcore.common.timer import Timer

from d2track.utils.utf8 import Utf8DecodeError, decode_utf8

from .cocovid_checks import CocoVidFormatError, check_cocovid
from .video_index import VideoIndex, build_video_index  # noqa: F401  (re-exported)

__all__ = [
    "load_cocovid_json",
    "register_cocovid_instances",
    "VideoIndex",
    "build_video_index",
    "CocoVidFormatError",
]

logger = logging.getLogger(__name__)


def load_cocovid_json(
    json_file, image_root, dataset_name=None, *, extra_image_keys=(), extra_annotation_keys=()
):
    """Load a CocoVID json as Detectron2 dataset dicts, one per frame, sorted by (video, frame).

    Args:
        json_file (str or path-like): the CocoVID json.
        image_root (str or path-like): folder that the images' ``file_name`` are relative to.
        dataset_name (str or None): when given, its metadata decides the classes (see
            :func:`register_cocovid_instances`) and receives ``thing_classes``,
            ``thing_dataset_id_to_contiguous_id``, ``json_file`` and ``image_root`` where unset.
        extra_image_keys, extra_annotation_keys (iterable[str]): more json fields copied as-is
            when present (e.g. ``mot_frame_id``, ``mot_conf``, ``occluded``).

    Returns:
        list[dict]: per frame ``file_name``, ``height``, ``width``, ``image_id``, ``video_id``,
        ``frame_id`` (0-based), ``video_length``, ``is_vid_train_frame`` (default True),
        ``video_name`` (the video record's ``name``, when it has one; result files use it) and
        ``annotations``: dicts with ``bbox`` (XYWH_ABS, values as in the json), ``bbox_mode``,
        ``category_id`` (contiguous 0..K-1), ``instance_id``, ``iscrowd`` and, when present,
        ``ignore``, ``visibility``, ``segmentation`` (polygons or compressed RLE) and ``quad``
        (the 8 corners of a VOT rotated box, ``bbox`` then being its enclosing box). One-frame
        videos get ``video_id`` after the json's largest and, for annotations without one,
        ``instance_id`` after its largest, in (image id, annotation) order.

    Raises:
        FileNotFoundError: the json does not exist.
        CocoVidFormatError: the json is malformed; the message names file, record and field.
    """
    timer = Timer()
    json_file, image_root = os.fspath(json_file), os.fspath(image_root)
    meta = MetadataCatalog.get(dataset_name) if dataset_name else None
    with _gc_paused():
        tables = check_cocovid(_read_json(json_file), json_file)
        id_map, thing_classes = _category_map(tables.categories, meta, json_file)
        extras = (tuple(extra_image_keys), tuple(extra_annotation_keys))
        dicts, counts = _build_dicts(tables, id_map, image_root, extras)
    _report(dicts, counts, tables, json_file, timer)
    if meta is not None:
        _set_missing(meta, json_file=json_file, image_root=image_root)
        _set_missing(meta, thing_classes=thing_classes, thing_dataset_id_to_contiguous_id=id_map)
    return dicts


@contextlib.contextmanager
def _gc_paused():
    # Creating millions of dicts triggers collections that walk the whole parsed json again
    # and again (loading ImageNet VID twice as slow); json data holds no reference cycles.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_json(json_file):
    if not PathManager.exists(json_file):
        raise FileNotFoundError(f"CocoVID json {json_file} does not exist")
    with PathManager.open(json_file, "rb") as f:
        data = f.read()
    try:
        return json.loads(decode_utf8(data, json_file))
    except Utf8DecodeError as e:
        raise CocoVidFormatError(str(e)) from None
    except json.JSONDecodeError as e:
        raise CocoVidFormatError(f"{json_file}: not valid json: {e}") from e


def _category_map(categories, meta, json_file):
    """Return ({json category id: contiguous id}, thing_classes), from metadata or the json."""
    names = {cat_id: str(record["name"]) for cat_id, (_, record) in categories.items()}
    given_map = meta.get("thing_dataset_id_to_contiguous_id") if meta is not None else None
    given_classes = meta.get("thing_classes") if meta is not None else None
    if given_map is not None:
        id_map = dict(given_map)
        classes = list(given_classes or [names.get(i, str(i)) for i in sorted(id_map)])
    elif given_classes is not None:
        by_name = {name: cat_id for cat_id, name in names.items()}
        missing = [c for c in given_classes if c not in by_name]
        _raise_missing(missing, "name", names, meta, json_file)
        id_map = {by_name[c]: k for k, c in enumerate(given_classes)}
        classes = list(given_classes)
    else:
        id_map = {cat_id: k for k, cat_id in enumerate(sorted(names))}
        classes = [names[cat_id] for cat_id in sorted(names)]
    _raise_missing([i for i in id_map if i not in names], "id", names, meta, json_file)
    return id_map, classes


def _raise_missing(missing, what, names, meta, json_file):
    if missing:
        raise CocoVidFormatError(
            f"{json_file}: categories: {what}(s) {missing} expected by the metadata of "
            f"'{meta.name}' are missing; the json has {sorted(names.items())}"
        )


def _build_dicts(tables, id_map, image_root, extras):
    next_video = max(tables.videos, default=0) + 1
    videos = list(tables.frames.items())
    videos += [(next_video + k, [image_id]) for k, image_id in enumerate(tables.singles)]
    state = {"next_instance": tables.max_instance_id + 1, "dropped": Counter(), "invalid": 0}
    dicts = []
    for video_id, image_ids in videos:
        for frame_id, image_id in enumerate(image_ids):
            image = tables.images[image_id][1]
            record = _frame_record(image, image_root, video_id, frame_id, len(image_ids))
            record.update({k: image[k] for k in extras[0] if k in image})
            if "name" in tables.videos.get(video_id, (None, {}))[1]:
                record["video_name"] = str(tables.videos[video_id][1]["name"])
            anns = tables.anns_by_image.get(image_id, [])
            record["annotations"] = _annotations(anns, id_map, extras[1], state)
            dicts.append(record)
    return dicts, state


def _frame_record(image, image_root, video_id, frame_id, video_length):
    return {
        "file_name": os.path.join(image_root, image["file_name"]),
        "height": image["height"],
        "width": image["width"],
        "image_id": image["id"],
        "video_id": video_id,
        "frame_id": frame_id,
        "video_length": video_length,
        "is_vid_train_frame": bool(image.get("is_vid_train_frame", True)),
    }


def _annotations(anns, id_map, extra_keys, state):
    objs = []
    for ann in anns:
        if ann["category_id"] not in id_map:
            state["dropped"][ann["category_id"]] += 1
            continue
        obj = _annotation(ann, id_map, extra_keys)
        if obj is None:
            state["invalid"] += 1
            continue
        if "instance_id" not in obj:  # image sets: every annotation is its own track
            obj["instance_id"] = state["next_instance"]
            state["next_instance"] += 1
        objs.append(obj)
    return objs


def _annotation(ann, id_map, extra_keys):
    bbox = list(ann["bbox"])
    obj = {"bbox": bbox, "bbox_mode": BoxMode.XYWH_ABS, "category_id": id_map[ann["category_id"]]}
    if len(bbox) == 8:  # VOT rotated box: keep the corners, box the quadrilateral
        bbox = [float(v) for v in bbox]
        xs, ys = bbox[0::2], bbox[1::2]
        obj["quad"], obj["bbox"] = bbox, [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
    obj["iscrowd"] = int(bool(ann.get("iscrowd", 0)))
    for key in ("instance_id", "ignore", "visibility") + extra_keys:
        if key in ann:
            obj[key] = ann[key]
    if ann.get("segmentation"):
        segm = _segmentation(ann["segmentation"])
        if segm is None:
            return None
        obj["segmentation"] = segm
    return obj


def _segmentation(segm):
    """As Detectron2: compress uncompressed RLE, drop polygons with < 3 points (None if none)."""
    if isinstance(segm, dict):
        if isinstance(segm["counts"], list):
            segm = mask_util.frPyObjects(segm, *segm["size"])
        return segm
    polygons = [p for p in segm if len(p) % 2 == 0 and len(p) >= 6]
    return polygons or None


def _report(dicts, counts, tables, json_file, timer):
    if counts["dropped"]:  # by choice: metadata selects the classes (e.g. MOT's pedestrian)
        per_category = dict(sorted(counts["dropped"].items()))
        logger.info(f"{json_file}: skipped annotations of other categories: {per_category}")
    if counts["invalid"]:
        logger.warning(
            f"{json_file}: filtered out {counts['invalid']} instances without valid segmentation"
        )
    tracks = {(d["video_id"], a["instance_id"]) for d in dicts for a in d["annotations"]}
    instances = sum(len(d["annotations"]) for d in dicts)
    videos = len(tables.frames) + len(tables.singles)
    if len(tables.videos) > len(tables.frames):
        logger.warning(
            f"{json_file}: {len(tables.videos) - len(tables.frames)} videos have no image"
        )
    logger.info(
        f"Loaded {videos} videos, {len(dicts)} frames, {instances} instances in {len(tracks)} "
        f"tracks from {json_file} in {timer.seconds():.2f} s"
    )


def _set_missing(meta, **values):
    # Metadata refuses to change a value; keep the first one (e.g. paths of the first load)
    for key, value in values.items():
        old = meta.get(key)
        if old is None:
            setattr(meta, key, value)
        elif old != value:
            logger.warning(f"Metadata '{meta.name}' keeps {key}={old!r}, not {value!r}")


def register_cocovid_instances(name, metadata, json_file, image_root):
    """Register a CocoVID json as dataset ``name`` (idempotent); reads no file.

    Args:
        name (str): dataset name, e.g. ``"mot17_half_train"``.
        metadata (dict): extra metadata. ``thing_dataset_id_to_contiguous_id`` (json category
            id -> class index) or else ``thing_classes`` (matched by json category name) select
            the classes: annotations of other json categories are dropped, and a selected
            category missing from the json is an error. Without either, all json categories
            are used, sorted by id.
        json_file (str or path-like): the CocoVID json.
        image_root (str or path-like): folder of the images.

    Raises:
        ValueError: ``name`` is already registered with another json or image root.
    """
    json_file, image_root = os.fspath(json_file), os.fspath(image_root)
    if name in DatasetCatalog.list():
        meta = MetadataCatalog.get(name)
        if (meta.get("json_file"), meta.get("image_root")) != (json_file, image_root):
            raise ValueError(
                f"Dataset '{name}' is already registered with json_file={meta.get('json_file')}"
                f", image_root={meta.get('image_root')}; remove it from DatasetCatalog and "
                "MetadataCatalog first, or pick another name"
            )
        return
    DatasetCatalog.register(name, partial(load_cocovid_json, json_file, image_root, name))
    MetadataCatalog.get(name).set(json_file=json_file, image_root=image_root, **metadata)
