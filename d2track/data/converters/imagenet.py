"""ImageNet VID and DET (ILSVRC2015) to CocoVID: xml and list parsing, one writer per json.

Input layout (``root``, the folder that holds ``Data/`` and ``Annotations/``)::

    Data/VID/{train,val}/.../<video>/000000.JPEG     Data/DET/train/.../<image>.JPEG
    Annotations/VID/{train,val}/.../<video>/000000.xml  Annotations/DET/train/.../<image>.xml
    Lists/VID_train_15frames.txt  Lists/VID_val_videos.txt  Lists/DET_train_30classes.txt

List formats (FGFA's lists, which MMTracking and MEGA use): ``VID_train_15frames.txt`` has one
line per training frame, ``<video> 1 <frame index> <number of frames>`` with a 0-based frame
index (the ``%06d`` of the file name); ``VID_val_videos.txt`` one line per video,
``<video> <first global frame number> 0 <number of frames>``; ``DET_train_30classes.txt`` one
line per image, ``<image path without .JPEG> 1``.

Boxes: ``[xmin, ymin, xmax - xmin, ymax - ymin]`` from the xml's ``bndbox``, without ``+ 1``, as
MMTracking's converters write them, so that numbers stay comparable with its models.

Kept besides: each category's WordNet id as ``wnid`` and as MMTracking's ``encode_name`` (None
for ``other_categories``), each VID video's ``vid_train_frames`` (the sorted 0-based frame ids
flagged ``is_vid_train_frame``, as MMTracking's video records list them; empty for val) and each
VID object's ``occluded`` and ``generated`` flags, and an object's ``difficult`` and ``truncated``
(ints) where its xml has them.
"""

import os
import xml.etree.ElementTree as ET
from collections import Counter, OrderedDict
from dataclasses import dataclass

from d2track.data.datasets.builtin_meta import IMAGENET_DET_CATEGORIES, IMAGENET_VID_CATEGORIES
from d2track.utils.input_files import InputFileError, read_lines, require_dir, require_file

from .cocovid_writer import CocoVidWriter
from .common import progress

__all__ = [
    "XmlObject",
    "parse_xml",
    "read_vid_list",
    "read_det_list",
    "convert_vid",
    "convert_det",
    "VID_LISTS",
    "DET_LIST",
]

VID_LISTS = {"train": "VID_train_15frames.txt", "val": "VID_val_videos.txt"}
DET_LIST = "DET_train_30classes.txt"
_CATEGORY_OF_WNID = {c["wnid"]: c["id"] for c in IMAGENET_VID_CATEGORIES}
OTHER_CATEGORY_ID = IMAGENET_DET_CATEGORIES[-1]["id"]


@dataclass(frozen=True)
class XmlObject:
    """One ``<object>`` of an annotation xml (``trackid`` is None in DET)."""

    wnid: str
    box: tuple  # (xmin, ymin, xmax, ymax)
    trackid: str = None
    occluded: bool = False
    generated: bool = False
    other: tuple = ()  # ((tag, int value), ...) of the optional <difficult>, <truncated>

    def xywh(self):
        x1, y1, x2, y2 = self.box
        return [x1, y1, x2 - x1, y2 - y1]


def _text(element, tag, path):
    child = element.find(tag)
    if child is None or child.text is None or not child.text.strip():
        raise InputFileError(path, f"malformed xml: <{element.tag}> has no <{tag}>")
    return child.text.strip()


def _number(element, tag, path, cast=float):
    text = _text(element, tag, path)
    try:
        return cast(text)
    except ValueError:
        raise InputFileError(path, f"malformed xml: <{tag}> is {text!r}, not a number")


def _parse_object(obj, path, with_track):
    bndbox = obj.find("bndbox")
    if bndbox is None:
        raise InputFileError(path, "malformed xml: <object> has no <bndbox>")
    box = tuple(_number(bndbox, k, path) for k in ("xmin", "ymin", "xmax", "ymax"))
    if box[2] < box[0] or box[3] < box[1]:
        raise InputFileError(path, f"malformed xml: bndbox {box} has xmax < xmin or ymax < ymin")
    flags = {k: obj.findtext(k, "0").strip() == "1" for k in ("occluded", "generated")}
    trackid = _text(obj, "trackid", path) if with_track else None
    other = tuple((k, _number(obj, k, path, int)) for k in _OPTIONAL if obj.find(k) is not None)
    return XmlObject(_text(obj, "name", path), box, trackid, other=other, **flags)


_OPTIONAL = ("difficult", "truncated")


def parse_xml(path, *, with_track=False):
    """Parse a PASCAL-VOC-style ILSVRC annotation.

    Args:
        path (str): the xml file.
        with_track (bool): require a ``trackid`` per object (VID).

    Returns:
        tuple: ``(width, height, list[XmlObject])``.

    Raises:
        InputFileError: missing file, invalid xml (with its line) or a missing field.
    """
    require_file(path, "annotation xml")
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise InputFileError(path, f"malformed xml: {e}", line=e.position[0]) from e
    size = root.find("size")
    if size is None:
        raise InputFileError(path, "malformed xml: no <size>")
    width, height = (_number(size, k, path, int) for k in ("width", "height"))
    objects = [_parse_object(obj, path, with_track) for obj in root.findall("object")]
    return width, height, objects


def _split_fields(path, number, line, count, ints_from=1):
    fields = line.split()
    if len(fields) != count:
        raise InputFileError(path, f"expected {count} fields, got {line!r}", line=number)
    try:
        return [fields[0]] + [int(v) for v in fields[ints_from:]]
    except ValueError:
        raise InputFileError(path, f"expected integer fields, got {line!r}", line=number)


def read_vid_list(path):
    """Read ``VID_train_15frames.txt`` or ``VID_val_videos.txt``.

    Returns:
        OrderedDict: video path -> ``(first line number, number of frames, set of the listed
        0-based frame indices)``, in list order (a val line lists frame 0, not a training frame:
        the caller decides what the indices mean).
    """
    videos = OrderedDict()
    for number, line in read_lines(path):
        video, _, frame, num_frames = _split_fields(path, number, line, 4)
        if not 0 <= frame < num_frames:
            raise InputFileError(path, f"frame {frame} not in [0, {num_frames})", line=number)
        first, known, frames = videos.setdefault(video, (number, num_frames, set()))
        if known != num_frames:
            raise InputFileError(
                path, f"{video} has {num_frames} frames here, {known} on line {first}", number
            )
        frames.add(frame)
    return videos


def read_det_list(path):
    """Read ``DET_train_30classes.txt``: ``[(line number, image path without .JPEG)]``; a path
    listed twice is kept once."""
    seen, images = set(), []
    for number, line in read_lines(path):
        image = _split_fields(path, number, line, 2)[0]
        if image not in seen:
            seen.add(image)
            images.append((number, image))
    return images


def _categories(classes):
    return [dict(c, encode_name=c["wnid"]) for c in classes]


def _report(counts, classes, what):
    empty = [c["name"] for c in classes if counts[c["id"]] == 0]
    print(
        f"{what}: objects per class: "
        + ", ".join(f"{c['name']} {counts[c['id']]}" for c in classes)
    )
    if empty:
        print(f"{what}: classes without objects: {', '.join(empty)}")


def convert_vid(root, split, lists_dir=None):
    """Convert one ImageNet VID split (``train``: frames of the 15-frames list flagged
    ``is_vid_train_frame``; ``val``: no frame flagged).

    Args:
        root (str): the ILSVRC2015 folder (holding ``Annotations/VID``).
        split (str): ``train`` or ``val``.
        lists_dir (str or None): folder of the FGFA lists; None: ``<root>/Lists``.

    Returns:
        CocoVidWriter: the filled writer (call ``write``).
    """
    list_path = os.path.join(lists_dir or os.path.join(root, "Lists"), VID_LISTS[split])
    ann_root = require_dir(os.path.join(root, "Annotations", "VID"), "annotation folder")
    writer = CocoVidWriter(_categories(IMAGENET_VID_CATEGORIES))
    state = {"tracks": 0, "counts": Counter()}
    videos = read_vid_list(list_path)
    for video, (line, num_frames, frames) in progress(videos.items(), f"VID {split}", len(videos)):
        folder = os.path.join(ann_root, video)
        if not os.path.isdir(folder):
            raise InputFileError(list_path, f"annotation folder {folder} is missing", line)
        train_frames = frames if split == "train" else set()
        _add_video(writer, video, folder, num_frames, train_frames, state)
    _report(state["counts"], IMAGENET_VID_CATEGORIES, f"ImageNet VID {split}")
    return writer


def _add_video(writer, video, folder, num_frames, train_frames, state):
    video_id, tracks = writer.add_video(video, vid_train_frames=sorted(train_frames)), {}
    for frame in range(num_frames):
        width, height, objects = parse_xml(f"{folder}/{frame:06d}.xml", with_track=True)
        image_id = writer.add_image(
            file_name=f"{video}/{frame:06d}.JPEG",
            height=height,
            width=width,
            video_id=video_id,
            frame_id=frame,
            is_vid_train_frame=frame in train_frames,
        )
        for obj in objects:
            _add_vid_object(writer, image_id, obj, tracks, state)


def _add_vid_object(writer, image_id, obj, tracks, state):
    category_id = _CATEGORY_OF_WNID.get(obj.wnid)
    state["counts"][category_id] += 1
    if category_id is None:  # VID xmls name only the 30 VID synsets; skip anything else
        return
    if obj.trackid not in tracks:  # instance ids: 1, 2, ... over (video, trackid)
        state["tracks"] += 1
        tracks[obj.trackid] = state["tracks"]
    writer.add_annotation(
        image_id=image_id,
        category_id=category_id,
        bbox=obj.xywh(),
        instance_id=tracks[obj.trackid],
        occluded=obj.occluded,
        generated=obj.generated,
        **dict(obj.other),
    )


def convert_det(root, lists_dir=None, *, all_images=False):
    """Convert the ImageNet DET images of ``DET_train_30classes.txt`` (still images, flagged
    ``is_vid_train_frame``): objects of the 30 VID synsets keep their class, all others become
    ``other_categories`` (id 31).

    Args:
        root (str): the ILSVRC2015 folder (holding ``Annotations/DET``).
        lists_dir (str or None): folder of the FGFA lists; None: ``<root>/Lists``.
        all_images (bool): then add every other DET train image (``Annotations/DET/train``,
            sorted by path) with ``is_vid_train_frame: false``, as MMTracking's json has them.

    Returns:
        CocoVidWriter: the filled writer (call ``write``).
    """
    list_path = os.path.join(lists_dir or os.path.join(root, "Lists"), DET_LIST)
    ann_root = require_dir(os.path.join(root, "Annotations", "DET"), "annotation folder")
    writer, counts = CocoVidWriter(_categories(IMAGENET_DET_CATEGORIES)), Counter()
    images = read_det_list(list_path)
    for line, image in progress(images, "DET train", len(images)):
        xml = os.path.join(ann_root, f"{image}.xml")
        if not os.path.isfile(xml):
            raise InputFileError(list_path, f"annotation {xml} is missing", line)
        _add_det_image(writer, ann_root, image, True, counts)
    if all_images:
        others = _unlisted_det_images(ann_root, {image for _, image in images})
        for image in progress(others, "DET train, unlisted", len(others)):
            _add_det_image(writer, ann_root, image, False, counts)
    _report(counts, IMAGENET_DET_CATEGORIES, "ImageNet DET")
    return writer


def _add_det_image(writer, ann_root, image, listed, counts):
    width, height, objects = parse_xml(os.path.join(ann_root, f"{image}.xml"))
    image_id = writer.add_image(
        file_name=f"{image}.JPEG", height=height, width=width, is_vid_train_frame=listed
    )
    for obj in objects:
        category_id = _CATEGORY_OF_WNID.get(obj.wnid, OTHER_CATEGORY_ID)
        counts[category_id] += 1
        writer.add_annotation(
            image_id=image_id, category_id=category_id, bbox=obj.xywh(), **dict(obj.other)
        )


def _unlisted_det_images(ann_root, listed):
    """Sorted ``train/...`` paths (without ``.xml``) of the DET train xmls not in ``listed``."""
    found = []
    for folder, _, names in os.walk(require_dir(os.path.join(ann_root, "train"), "DET train")):
        relative = os.path.relpath(folder, ann_root).replace(os.sep, "/")
        found += [f"{relative}/{n[:-4]}" for n in names if n.endswith(".xml")]
    return sorted(p for p in found if p not in listed)
