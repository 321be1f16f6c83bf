"""OTB100 layout: ``<root>/<Seq>/{img/0001.jpg, groundtruth_rect.txt}``.

Quirks handled (as in the OTB toolkit's sequence table): the box of line ``i`` belongs to image
``start + i - 1``, where ``start`` is the sequence's first image number (BlurCar1 starts at 0247,
Board has 5-digit names) except David, whose boxes start at image 300; Tiger1 drops its first 5
frames and boxes; a box file shorter than the image folder (Diving, Football1, Freeman3/4) ends the
sequence. Sequences with several targets (``groundtruth_rect.1.txt``, ``.2.txt``: Jogging, Skating2)
become one video per target, ``<Seq>-1``, ``<Seq>-2``; a single numbered file (Human4's
``groundtruth_rect.2.txt``) keeps the sequence name.
"""

import os
import re

from d2track.utils.input_files import InputFileError, require_dir

from .sot import SotVideo, image_size, list_frames, parse_boxes

__all__ = ["FIRST_BOX_FRAME", "OMIT_FIRST", "find_sequences", "read_otb_videos"]

FIRST_BOX_FRAME = {"David": 300}  # image number of the first box when it is not the first image
OMIT_FIRST = {"Tiger1": 5}  # frames (and boxes) the toolkit drops at the start
_NUMBERED = re.compile(r"^groundtruth_rect\.(\d+)\.txt$")


def find_sequences(root):
    """Sorted sequence folder names (those with an ``img/`` folder) under ``root``."""
    require_dir(root, "OTB100 root")
    names = sorted(n for n in os.listdir(root) if os.path.isdir(os.path.join(root, n, "img")))
    if not names:
        raise InputFileError(root, "no <Seq>/img/ folders found")
    return names


def _box_files(folder, seq):
    # Human4's download has an empty groundtruth_rect.1.txt next to the real .2.txt: skip empties.
    numbered = sorted(
        (int(m.group(1)), n)
        for n in os.listdir(folder)
        if (m := _NUMBERED.match(n)) and os.path.getsize(os.path.join(folder, n)) > 0
    )
    if len(numbered) > 1:
        return [(f"{seq}-{k}", name) for k, name in numbered]
    if numbered:
        return [(seq, numbered[0][1])]
    return [(seq, "groundtruth_rect.txt")]


def _frames_for(folder, seq, num_boxes, gt):
    names = list_frames(os.path.join(folder, "img"))
    stems = ((os.path.splitext(n)[0], n) for n in names)
    by_number = {int(stem): n for stem, n in stems if stem.isdigit()}
    start = FIRST_BOX_FRAME.get(seq, min(by_number) if by_number else 1)
    numbers = range(start, start + num_boxes)
    missing = [k for k in numbers if k not in by_number]
    if missing:
        message = f"{num_boxes} boxes from image {start}, but no image numbered {missing[0]}"
        raise InputFileError(gt, message)
    return [f"{seq}/img/{by_number[k]}" for k in numbers]


def read_otb_videos(root, seq):
    """The video(s) of one sequence folder (one per target), file names relative to ``root``."""
    folder = os.path.join(root, seq)
    videos = []
    for name, box_file in _box_files(folder, seq):
        gt = os.path.join(folder, box_file)
        boxes = parse_boxes(gt)
        frames = _frames_for(folder, seq, len(boxes), gt)
        omit = OMIT_FIRST.get(seq, 0)
        frames, boxes = frames[omit:], boxes[omit:]
        height, width = image_size(os.path.join(root, frames[0]))
        videos.append(SotVideo(name, frames, boxes, height, width))
    return videos
