"""LaSOT layout: ``<root>/<class>/<class>-<n>/{img/*.jpg, groundtruth.txt, *.txt flags}``.

Per-frame flags ``full_occlusion`` and ``out_of_view`` become annotation fields; the sequence's
language description ``nlp.txt``, when present, is kept in the video record as ``nlp``.

The test split is the sequences named in a ``testing_set.txt`` file (one per line, as shipped with
the LaSOT toolkit) or, without one, :data:`TEST_SEQUENCES`; the train split is every other
sequence found under the root.
"""

import os

from d2track.utils.input_files import InputFileError, read_lines, read_text, require_dir

from .sot import SotVideo, check_lengths, image_size, list_frames, parse_boxes, parse_flags

__all__ = ["TEST_SEQUENCES", "read_testing_set", "find_sequences", "read_lasot_video"]

FLAGS = ("full_occlusion", "out_of_view")

# Protocol II test split (280 sequences, 4 per class), as in the LaSOT toolkit's testing_set.txt
_TEST = (
    "airplane:1,9,13,15 basketball:1,6,7,11 bear:2,4,6,17 bicycle:2,7,9,18 bird:2,3,15,17 "
    "boat:3,4,12,17 book:3,10,11,19 bottle:1,12,14,18 bus:2,5,17,19 car:2,6,9,17 "
    "cat:1,3,18,20 cattle:2,7,12,13 chameleon:3,6,11,20 coin:3,6,7,18 crab:3,6,12,18 "
    "crocodile:3,4,10,14 cup:1,4,7,17 deer:4,8,10,14 dog:1,7,15,19 drone:2,7,13,15 "
    "electricfan:1,10,18,20 elephant:1,12,16,18 flag:2,3,5,9 fox:2,3,5,20 frog:3,4,9,20 "
    "gametarget:1,2,7,13 gecko:1,5,16,19 giraffe:2,10,13,15 goldfish:3,7,8,10 "
    "gorilla:4,6,9,13 guitar:3,8,10,16 hand:2,3,9,16 hat:1,2,5,18 helmet:5,11,13,19 "
    "hippo:1,7,9,20 horse:1,4,12,15 kangaroo:2,5,11,14 kite:4,6,10,15 leopard:1,7,16,20 "
    "licenseplate:6,12,13,15 lion:1,5,12,20 lizard:1,3,6,13 microphone:2,6,14,16 "
    "monkey:3,4,9,17 motorcycle:1,3,9,18 mouse:1,8,9,17 person:1,5,10,12 pig:2,10,13,18 "
    "pool:3,7,12,15 rabbit:10,13,17,19 racing:10,15,16,20 robot:1,5,8,19 "
    "rubicCube:1,6,14,19 sepia:6,8,13,16 shark:2,3,5,6 sheep:3,5,7,9 skateboard:3,8,16,19 "
    "spider:14,16,18,20 squirrel:8,11,13,19 surfboard:4,5,8,12 swing:10,14,17,20 "
    "tank:6,9,14,16 tiger:4,6,12,18 train:1,7,11,20 truck:3,6,7,16 turtle:5,8,9,16 "
    "umbrella:2,9,17,19 volleyball:1,13,18,19 yoyo:7,15,17,19 zebra:10,14,16,17"
)
TEST_SEQUENCES = tuple(
    f"{cls}-{k}"
    for entry in _TEST.split()
    for cls, numbers in [entry.split(":")]
    for k in numbers.split(",")
)


def read_testing_set(path):
    """Sequence names (``airplane-1``) of the test split, one per line."""
    names = []
    for number, line in read_lines(path):
        if "-" not in line:
            raise InputFileError(path, f"not a sequence name <class>-<n>: {line!r}", number)
        names.append(line)
    return names


def find_sequences(root):
    """All ``<class>/<class>-<n>`` sequence folders under ``root``, as ``{name: class}``."""
    require_dir(root, "LaSOT root")
    sequences = {}
    for cls in sorted(os.listdir(root)):
        if not os.path.isdir(os.path.join(root, cls)):
            continue
        for name in sorted(os.listdir(os.path.join(root, cls))):
            if name.startswith(cls + "-") and os.path.isdir(os.path.join(root, cls, name)):
                sequences[name] = cls
    return sequences


def read_lasot_video(root, cls, name):
    """One sequence as a :class:`SotVideo` (file names relative to ``root``)."""
    folder = os.path.join(root, cls, name)
    frames = list_frames(os.path.join(folder, "img"))
    height, width = image_size(os.path.join(folder, "img", frames[0]))
    gt = os.path.join(folder, "groundtruth.txt")
    video = SotVideo(
        name=name,
        frames=[f"{cls}/{name}/img/{f}" for f in frames],
        boxes=parse_boxes(gt),
        height=height,
        width=width,
        flags={k: parse_flags(os.path.join(folder, f"{k}.txt")) for k in FLAGS},
    )
    check_lengths(video, gt)
    nlp = os.path.join(folder, "nlp.txt")
    if os.path.isfile(nlp):
        video.info["nlp"] = read_text(nlp).strip()
    return video
