"""TrackingNet layout: ``<root>/<chunk>/{frames/<video>/<n>.jpg, anno/<video>.txt}``.

Chunks ``TRAIN_0`` ... ``TRAIN_11`` form the train split, ``TEST`` the test split (whose box files
give only the first frame's box). Frames are numbered ``0.jpg, 1.jpg, ...`` (sorted numerically).
The official download leaves one zip per video in ``<chunk>/zips/<video>.zip``; :func:`unzip_chunk`
extracts it into ``<chunk>/frames/<video>/``.
"""

import os
import re
import zipfile

from d2track.utils.input_files import InputFileError, require_dir

from .sot import SotVideo, check_lengths, image_size, list_frames, parse_boxes

__all__ = ["find_chunks", "unzip_chunk", "find_videos", "read_trackingnet_video"]

_TRAIN_CHUNK = re.compile(r"^TRAIN_(\d+)$")


def find_chunks(root, split):
    """Chunk folder names of a split: ``["TRAIN_0", ...]`` (numeric order) or ``["TEST"]``."""
    require_dir(root, "TrackingNet root")
    if split == "test":
        return ["TEST"] if os.path.isdir(os.path.join(root, "TEST")) else []
    chunks = [(int(m.group(1)), n) for n in os.listdir(root) if (m := _TRAIN_CHUNK.match(n))]
    return [n for _, n in sorted(chunks)]


def unzip_chunk(root, chunk):
    """Extract ``<chunk>/zips/<video>.zip`` into ``<chunk>/frames/<video>/`` (skips done ones)."""
    zips = os.path.join(root, chunk, "zips")
    if not os.path.isdir(zips):
        return
    for name in sorted(n for n in os.listdir(zips) if n.endswith(".zip")):
        target = os.path.join(root, chunk, "frames", name[:-4])
        if os.path.isdir(target):
            continue
        try:
            with zipfile.ZipFile(os.path.join(zips, name)) as archive:
                archive.extractall(target + ".partial")
        except zipfile.BadZipFile as e:
            raise InputFileError(os.path.join(zips, name), f"not a zip file ({e})") from None
        os.replace(target + ".partial", target)


def find_videos(root, chunk):
    """Sorted video names of a chunk, from its box files ``anno/<video>.txt``."""
    anno = require_dir(os.path.join(root, chunk, "anno"), "TrackingNet anno folder")
    return sorted(n[:-4] for n in os.listdir(anno) if n.endswith(".txt"))


def _numeric_frames(folder):
    names = list_frames(folder)
    stems = [os.path.splitext(n)[0] for n in names]
    if not all(s.isdigit() for s in stems):
        raise InputFileError(folder, "frame names must be <n>.jpg")
    return [n for _, n in sorted(zip(map(int, stems), names))]


def read_trackingnet_video(root, chunk, name):
    """One video as a :class:`SotVideo`, file names ``<chunk>/frames/<video>/<n>.jpg``."""
    folder = os.path.join(root, chunk, "frames", name)
    frames = _numeric_frames(folder)
    height, width = image_size(os.path.join(folder, frames[0]))
    gt = os.path.join(root, chunk, "anno", f"{name}.txt")
    boxes = parse_boxes(gt)
    video = SotVideo(name, [f"{chunk}/frames/{name}/{f}" for f in frames], boxes, height, width)
    if chunk != "TEST":
        check_lengths(video, gt)
    elif len(boxes) != 1:
        raise InputFileError(gt, f"test split: expected 1 box, got {len(boxes)}")
    return video
