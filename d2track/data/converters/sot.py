"""Shared pieces of the single-object-tracking converters (LaSOT, GOT-10k, OTB100, ...).

Every SOT benchmark becomes one CocoVID video per sequence with one target (``instance_id`` =
1-based video index, category ``SOT_CATEGORIES[0]``, id 0). Frames are 0-based. Each frame whose
box is *known* gets one annotation; a target that is known to be absent (a zero-size box, or a
``NaN`` line in UAV123) is written as the zero-size box ``[0, 0, 0, 0]`` (or the box as given when
its width or height is 0), so that evaluation sees every annotated frame. Frames whose box is
*unknown* (test splits that only give the first box) get no annotation.
"""

import os
import re
from dataclasses import dataclass, field

from PIL import Image

from d2track.data.datasets.builtin import BENCHMARK_SPLITS
from d2track.data.datasets.builtin_meta import SOT_CATEGORIES
from d2track.utils.input_files import InputFileError, read_lines, require_dir

from .cocovid_writer import CocoVidWriter
from .common import progress

__all__ = [
    "SotVideo",
    "parse_boxes",
    "parse_flags",
    "list_frames",
    "image_size",
    "write_sot_json",
    "split_json_path",
]

_SEPARATORS = re.compile(r"[,\s]+")


@dataclass
class SotVideo:
    """One sequence: frame file names (relative to the image root), boxes and per-frame flags.

    ``boxes[i]`` is ``[x, y, w, h]``, or ``None`` when frame ``i``'s box is unknown;
    ``flags[name][i]`` is an int flag kept as annotation field ``name``; ``info`` holds
    sequence-level source fields kept in the video record (LaSOT's ``nlp``, GOT-10k's
    ``meta_info``).
    """

    name: str
    frames: list
    boxes: list
    height: int
    width: int
    flags: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)


def _parse_values(path, number, line, num_values, allow_nan):
    values = [v for v in _SEPARATORS.split(line) if v]
    if len(values) not in num_values:
        raise InputFileError(path, f"expected {num_values} values, got {line!r}", number)
    try:
        floats = [float(v) for v in values]
    except ValueError:
        raise InputFileError(path, f"not a number in {line!r}", number) from None
    if any(v != v for v in floats):
        if not allow_nan:
            raise InputFileError(path, f"NaN in {line!r}", number)
        return [0.0] * 4  # the toolkit's way of saying "target absent"
    return floats


def parse_boxes(path, *, num_values=(4,), allow_nan=False):
    """Read one box per line, values separated by commas, spaces or tabs.

    Args:
        path (str): the ground-truth text file.
        num_values (tuple[int]): accepted numbers of values per line (4: x,y,w,h; 8: polygon).
        allow_nan (bool): a line with NaN means "target absent" and becomes ``[0, 0, 0, 0]``.

    Returns:
        list[list[float]]: one box per non-empty line.

    Raises:
        InputFileError: missing file or malformed line (names file and line).
    """
    boxes = [_parse_values(path, n, line, num_values, allow_nan) for n, line in read_lines(path)]
    for number, box in enumerate(boxes, start=1):
        if len(box) == 4 and (box[2] < 0 or box[3] < 0):
            raise InputFileError(path, f"negative width or height {box}", number)
    return boxes


def parse_flags(path):
    """Read 0/1 (or small int) flags separated by commas, spaces or newlines, in file order."""
    flags = []
    for number, line in read_lines(path):
        for value in (v for v in _SEPARATORS.split(line) if v):
            try:
                flags.append(int(float(value)))
            except ValueError:
                raise InputFileError(path, f"not a flag: {value!r}", number) from None
    return flags


def list_frames(folder, extensions=(".jpg", ".jpeg", ".png")):
    """Sorted image file names in ``folder`` (raises if none)."""
    require_dir(folder, "frame folder")
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(extensions))
    if not names:
        raise InputFileError(folder, "no frames found")
    return names


def image_size(path):
    """``(height, width)`` of an image, reading only its header."""
    try:
        with Image.open(path) as image:
            return image.height, image.width
    except (OSError, ValueError) as e:
        raise InputFileError(path, f"unreadable image ({e})") from None


def check_lengths(video, path):
    """Every per-frame list of ``video`` must have one entry per frame."""
    for what, values in [("boxes", video.boxes)] + list(video.flags.items()):
        if len(values) != len(video.frames):
            message = f"{len(values)} {what} for {len(video.frames)} frames of {video.name}"
            raise InputFileError(path, message)


def split_json_path(output_root, split):
    """``<output_root>/<json of the builtin split>``, e.g. ``lasot/annotations/lasot_test.json``."""
    return os.path.join(output_root, BENCHMARK_SPLITS[split].json_file)


def _add_annotation(writer, video, index, image_id, video_id):
    fields = {name: int(values[index]) for name, values in video.flags.items()}
    box = list(video.boxes[index])
    quad = None
    if len(box) == 8:  # enclosing box from the float corners (not int-truncated ones)
        quad, xs, ys = box, box[0::2], box[1::2]
        box = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
    category_id = SOT_CATEGORIES[0]["id"]
    writer.add_annotation(
        image_id=image_id, category_id=category_id, bbox=box, instance_id=video_id, **fields
    )
    if quad is not None:  # the loader reads an 8-value bbox as ``quad`` + its enclosing box
        writer.annotations[-1]["bbox"] = quad


def _add_video(writer, video):
    video_id = writer.add_video(video.name, **video.info)
    for index, file_name in enumerate(video.frames):
        image_id = writer.add_image(
            file_name=file_name,
            height=video.height,
            width=video.width,
            video_id=video_id,
            frame_id=index,
        )
        if index < len(video.boxes) and video.boxes[index] is not None:
            _add_annotation(writer, video, index, image_id, video_id)


def write_sot_json(videos, path, desc="videos", total=None):
    """Write SOT videos as a CocoVID json (atomically) and return the writer's summary.

    Args:
        videos (iterable[SotVideo]): read lazily, under a progress bar.
        path (str): output json.
        desc (str): progress bar label.
        total (int or None): number of videos, for the progress bar.

    An 8-value polygon (VOT) is written as an 8-value ``bbox`` (what the loader turns into
    ``quad`` + the enclosing box) with ``area`` of the enclosing box.
    """
    writer = CocoVidWriter(SOT_CATEGORIES)
    for video in progress(videos, desc, total=total):
        _add_video(writer, video)
    return writer.write(path)
