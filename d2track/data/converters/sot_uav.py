"""UAV123 layout: ``<root>/data_seq/UAV123/<folder>/000001.jpg``, ``<root>/anno/UAV123/<seq>.txt``.

Each box file is one video. Long recordings are split into fragments ``<folder>_1, _2, ...``
whose image ranges come from the toolkit's sequence table (:data:`FRAGMENTS`, or a file given
with ``--fragments``: one ``<fragment> <folder> <start> <end>`` per line, 1-based inclusive image
numbers). Any other box file ``<seq>.txt`` covers images ``1..N`` of folder ``<seq>``.
"""

import os

from d2track.utils.input_files import InputFileError, read_lines, require_dir

from .sot import SotVideo, image_size, list_frames, parse_boxes

__all__ = ["FRAGMENTS", "read_fragments", "find_sequences", "read_uav_video"]

_RANGES = {
    "bird1": [(1, 253), (775, 1477), (1573, 2437)],
    "car1": [(1, 751), (751, 1627), (1627, 2629)],
    "car16": [(1, 415), (415, 1993)],
    "car6": [(1, 487), (487, 1807), (1807, 2953), (2953, 3925), (3925, 4861)],
    "car8": [(1, 1357), (1357, 2575)],
    "group1": [(1, 1333), (1333, 2515), (2515, 3925), (3925, 4873)],
    "group2": [(1, 907), (907, 1771), (1771, 2683)],
    "group3": [(1, 1567), (1567, 2827), (2827, 4369), (4369, 5527)],
    "person12": [(1, 601), (601, 1621)],
    "person14": [(1, 847), (847, 1813), (1813, 2923)],
    "person17": [(1, 1501), (1501, 2347)],
    "person19": [(1, 1243), (1243, 2791), (2791, 4357)],
    "person2": [(1, 1189), (1189, 2623)],
    "person4": [(1, 1501), (1501, 2743)],
    "person5": [(1, 877), (877, 2101)],
    "person7": [(1, 1249), (1249, 2065)],
    "person8": [(1, 1075), (1075, 1525)],
    "truck4": [(1, 577), (577, 1261)],
    "uav1": [(1, 1555), (1555, 2377), (2473, 3469)],
}
# fragment name -> (image folder, first image number, last image number)
FRAGMENTS = {
    f"{folder}_{k}": (folder, start, end)
    for folder, ranges in _RANGES.items()
    for k, (start, end) in enumerate(ranges, start=1)
}


def read_fragments(path):
    """A fragment table file: ``<fragment> <folder> <start> <end>`` per line (commas allowed)."""
    table = {}
    for number, line in read_lines(path):
        fields = line.replace(",", " ").split()
        if len(fields) != 4 or not (fields[2].isdigit() and fields[3].isdigit()):
            raise InputFileError(
                path, f"expected '<fragment> <folder> <start> <end>': {line!r}", number
            )
        table[fields[0]] = (fields[1], int(fields[2]), int(fields[3]))
    return table


def find_sequences(root):
    """Sorted sequence names, from the box files ``<root>/anno/UAV123/<seq>.txt``."""
    anno = require_dir(os.path.join(root, "anno", "UAV123"), "UAV123 annotation folder")
    names = sorted(n[:-4] for n in os.listdir(anno) if n.endswith(".txt"))
    if not names:
        raise InputFileError(anno, "no <seq>.txt box files")
    return names


def read_uav_video(root, name, fragments):
    """One sequence or fragment as a :class:`SotVideo` (names relative to data_seq/UAV123)."""
    gt = os.path.join(root, "anno", "UAV123", f"{name}.txt")
    boxes = parse_boxes(gt, allow_nan=True)
    folder, start, end = fragments.get(name, (name, 1, len(boxes)))
    if end - start + 1 != len(boxes):
        raise InputFileError(gt, f"{len(boxes)} boxes for images {start}..{end} of {folder}")
    image_dir = os.path.join(root, "data_seq", "UAV123", folder)
    stems = ((os.path.splitext(n)[0], n) for n in list_frames(image_dir))
    by_number = {int(stem): n for stem, n in stems if stem.isdigit()}
    missing = [k for k in range(start, end + 1) if k not in by_number]
    if missing:
        raise InputFileError(image_dir, f"no image numbered {missing[0]} (for {name})")
    frames = [f"{folder}/{by_number[k]}" for k in range(start, end + 1)]
    height, width = image_size(os.path.join(image_dir, by_number[start]))
    return SotVideo(name, frames, boxes, height, width)
