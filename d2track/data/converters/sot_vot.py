"""VOT2018 layout: ``<root>/{list.txt, <seq>/{color/00000001.jpg, groundtruth.txt, *.tag}}``.

Boxes are rotated rectangles: 8 values (the 4 corners) per line, or 4 (``x, y, w, h``, turned into
its 4 corners). Each is written as an 8-value ``bbox`` (the loader's ``quad``) whose enclosing
box is computed from the float corners. Per-frame tags (0/1 per line) are kept as annotation
fields named after their files; a missing tag file means all 0, a short one is padded with 0.
"""

import os

from d2track.utils.input_files import InputFileError, read_lines, require_dir

from .sot import SotVideo, image_size, list_frames, parse_boxes, parse_flags

__all__ = ["TAGS", "find_sequences", "read_vot_video"]

TAGS = ("camera_motion", "illum_change", "motion_change", "occlusion", "size_change")


def find_sequences(root):
    """Sequence names from ``<root>/list.txt``, else every folder with a ``groundtruth.txt``."""
    require_dir(root, "VOT root")
    if os.path.isfile(os.path.join(root, "list.txt")):
        return [line for _, line in read_lines(os.path.join(root, "list.txt"))]
    names = [
        n
        for n in sorted(os.listdir(root))
        if os.path.isfile(os.path.join(root, n, "groundtruth.txt"))
    ]
    if not names:
        raise InputFileError(root, "no list.txt and no <seq>/groundtruth.txt")
    return names


def _corners(box):
    if len(box) == 8:
        return box
    x, y, w, h = box
    return [x, y, x + w, y, x + w, y + h, x, y + h]


def _tags(folder, num_frames):
    tags = {}
    for tag in TAGS:
        path = os.path.join(folder, f"{tag}.tag")
        values = parse_flags(path) if os.path.isfile(path) else []
        if len(values) > num_frames:
            raise InputFileError(path, f"{len(values)} tags for {num_frames} frames")
        tags[tag] = values + [0] * (num_frames - len(values))
    return tags


def read_vot_video(root, name):
    """One sequence as a :class:`SotVideo` with quad boxes (file names relative to ``root``)."""
    folder = os.path.join(root, name)
    sub = "color" if os.path.isdir(os.path.join(folder, "color")) else ""
    frames = list_frames(os.path.join(folder, sub))
    gt = os.path.join(folder, "groundtruth.txt")
    boxes = [_corners(b) for b in parse_boxes(gt, num_values=(4, 8))]
    if len(boxes) != len(frames):
        raise InputFileError(gt, f"{len(boxes)} boxes for {len(frames)} frames of {name}")
    height, width = image_size(os.path.join(folder, sub, frames[0]))
    prefix = f"{name}/{sub}/" if sub else f"{name}/"
    return SotVideo(
        name, [prefix + f for f in frames], boxes, height, width, _tags(folder, len(frames))
    )
