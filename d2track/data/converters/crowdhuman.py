"""CrowdHuman to CocoVID (still images), used by ``datasets/prepare_crowdhuman.py``.

Input: the official files ``<root>/annotation_{train,val}.odgt`` (one json per line: ``ID``,
``gtboxes``) and the images of each split under ``<root>/<split>/Images/<ID>.jpg`` (the official
zips ``CrowdHuman_train0{1,2,3}.zip`` unzipped in ``<root>/train``, ``CrowdHuman_val.zip`` in
``<root>/val``); a single ``<root>/Images`` folder holding both splits is accepted too.

Output: one still image per ``ID`` (no ``video_id``), ``file_name`` ``Images/<ID>.jpg`` relative to
the image root ``crowdhuman/<split>``; its size is read from the image header. One annotation per
``gtboxes`` entry: the full-body box ``fbox`` as ``bbox``, category 1 (``person``). Boxes tagged
``mask`` (crowds, reflections, posters) or with ``extra.ignore == 1`` get ``ignore: true`` and
``iscrowd: 1``, so that Detectron2's mapper drops them from training and COCO evaluation treats
them as ignore regions (MMTracking sets only ``iscrowd``, from ``extra.ignore``). Every other field
of a ``gtboxes`` entry is kept: the visible box ``vbox`` as ``vis_bbox`` (MMTracking's name), the
head box ``hbox`` as ``head_bbox``, and ``tag``, ``extra`` (``box_id``, ``occ``, ``ignore``, ...)
and ``head_attr`` as given.
"""

import json
import os

from PIL import Image

from d2track.data.datasets.builtin_meta import CROWDHUMAN_CATEGORIES
from d2track.utils.input_files import InputFileError, read_lines, require_file

from .cocovid_writer import CocoVidWriter
from .common import progress

__all__ = ["SPLITS", "parse_odgt_line", "find_image", "image_size", "convert_split"]

SPLITS = ("train", "val")
_PERSON = CROWDHUMAN_CATEGORIES[0]["id"]


def parse_odgt_line(text, path, line):
    """Parse one odgt line into ``(ID, [(fbox, ignore, other fields), ...])``.

    Raises:
        InputFileError: naming ``path`` and ``line`` when the record is malformed.
    """
    try:
        record = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputFileError(path, f"not a json object: {e}", line) from None
    if not isinstance(record, dict) or not isinstance(record.get("ID"), str):
        raise InputFileError(path, "record has no string 'ID'", line)
    boxes = record.get("gtboxes")
    if not isinstance(boxes, list):
        raise InputFileError(path, f"{record['ID']}: 'gtboxes' is not a list", line)
    return record["ID"], [_parse_box(box, k, path, line) for k, box in enumerate(boxes)]


def _parse_box(box, index, path, line):
    where = f"gtboxes[{index}]"
    if not isinstance(box, dict):
        raise InputFileError(path, f"{where}: not an object", line)
    fbox = box.get("fbox")
    if not _is_box(fbox):
        raise InputFileError(path, f"{where}: fbox {fbox!r:.60} is not [x, y, w, h]", line)
    if fbox[2] < 0 or fbox[3] < 0:
        raise InputFileError(path, f"{where}: fbox {fbox} has a negative size", line)
    extra = box.get("extra") or {}
    ignore = box.get("tag") == "mask" or int(extra.get("ignore", 0) or 0) == 1
    return [float(v) for v in fbox], ignore, _other_fields(box, where, path, line)


_RENAMED = {"vbox": "vis_bbox", "hbox": "head_bbox"}
_RESERVED = ("id", "image_id", "category_id", "bbox", "area", "iscrowd", "ignore")


def _other_fields(box, where, path, line):
    fields = {}
    for key, value in box.items():
        if key == "fbox" or key in _RESERVED:  # no such keys in the official files
            continue
        if key in _RENAMED:
            if not _is_box(value):
                message = f"{where}: {key} {value!r:.60} is not [x, y, w, h]"
                raise InputFileError(path, message, line)
            value = [float(v) for v in value]
        fields[_RENAMED.get(key, key)] = value
    return fields


def _is_box(value):
    numbers = isinstance(value, list) and len(value) == 4
    return numbers and all(type(v) in (int, float) for v in value)


def find_image(root, split, image_id):
    """Path of ``<ID>.jpg``: ``<root>/<split>/Images`` first, then ``<root>/Images``."""
    name = f"{image_id}.jpg"
    for folder in (os.path.join(root, split, "Images"), os.path.join(root, "Images")):
        if os.path.isfile(os.path.join(folder, name)):
            return os.path.join(folder, name)
    return None


def image_size(path):
    """``(height, width)`` from the image header (no decoding)."""
    try:
        with Image.open(path) as image:
            width, height = image.size
    except OSError as e:
        raise InputFileError(path, f"cannot read image: {e}") from None
    return height, width


def convert_split(root, split, json_path):
    """Convert ``<root>/annotation_<split>.odgt``; returns the writer's summary."""
    odgt = require_file(os.path.join(root, f"annotation_{split}.odgt"), "CrowdHuman odgt file")
    writer = CocoVidWriter(CROWDHUMAN_CATEGORIES)
    seen = {}
    for line, text in progress(read_lines(odgt), desc=f"crowdhuman_{split}"):
        image_id, boxes = parse_odgt_line(text, odgt, line)
        if image_id in seen:
            raise InputFileError(odgt, f"ID {image_id} repeats line {seen[image_id]}", line)
        seen[image_id] = line
        path = find_image(root, split, image_id)
        if path is None:
            where = os.path.join(root, split, "Images", f"{image_id}.jpg")
            raise InputFileError(odgt, f"image {where} (or in {root}/Images) is missing", line)
        height, width = image_size(path)
        _add_image(writer, image_id, height, width, boxes)
    return writer.write(json_path)


def _add_image(writer, image_id, height, width, boxes):
    file_name = f"Images/{image_id}.jpg"
    image = writer.add_image(file_name=file_name, height=height, width=width)
    for bbox, ignore, fields in boxes:
        flags = {"ignore": True, "iscrowd": 1} if ignore else {"ignore": False}
        writer.add_annotation(image_id=image, category_id=_PERSON, bbox=bbox, **fields, **flags)
