"""GOT-10k layout: ``<root>/<split>/{list.txt, <seq>/{00000001.jpg, groundtruth.txt, *.label}}``.

``train`` gives a box and the ``absence``, ``cover`` and ``cut_by_image`` labels for every frame
(``val``: a box, and those labels where present); ``test`` gives only the first frame's box
(the other frames get no annotation). A sequence's ``meta_info.ini`` (``[METAINFO]``: ``url``,
``begin``, ``end``, ``anno_fps``, ``object_class``, ``motion_class``, ``major_class``,
``root_class``, ``motion_adverb``, ``resolution``) is kept, values as given, in the video record
as ``meta_info``.
"""

import configparser
import os
import zipfile

from d2track.utils.input_files import InputFileError, read_lines, read_text, require_file

from .sot import SotVideo, check_lengths, image_size, list_frames, parse_boxes, parse_flags

__all__ = ["SPLITS", "unzip_all", "read_sequence_list", "read_meta_info", "read_got10k_video"]

SPLITS = ("train", "val", "test")
FLAGS = ("absence", "cover", "cut_by_image")


def unzip_all(zips, root):
    """Extract the official zips (e.g. ``val_data.zip``) into ``root``."""
    for path in zips:
        require_file(path, "zip")
        try:
            with zipfile.ZipFile(path) as archive:
                archive.extractall(root)
        except zipfile.BadZipFile as e:
            raise InputFileError(path, f"not a zip file ({e})") from None


def read_sequence_list(split_dir):
    """Sequence names of a split, from its ``list.txt``."""
    path = os.path.join(split_dir, "list.txt")
    names = [line for _, line in read_lines(path)]
    if len(set(names)) != len(names):
        raise InputFileError(path, "duplicate sequence names")
    return names


def read_meta_info(path):
    """The ``[METAINFO]`` entries of a ``meta_info.ini`` as ``{key: str}``; None if no file."""
    if not os.path.isfile(path):
        return None
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keep the keys as written
    try:
        parser.read_string(read_text(path), source=path)
    except configparser.Error as e:
        raise InputFileError(path, f"not a valid ini file ({e.message})") from None
    if "METAINFO" not in parser:
        raise InputFileError(path, "no [METAINFO] section")
    return dict(parser["METAINFO"])


def read_got10k_video(split_dir, name, split):
    """One sequence as a :class:`SotVideo` (file names relative to ``split_dir``)."""
    folder = os.path.join(split_dir, name)
    frames = list_frames(folder)
    height, width = image_size(os.path.join(folder, frames[0]))
    gt = os.path.join(folder, "groundtruth.txt")
    boxes = parse_boxes(gt)
    flags = {}
    if split != "test":
        labels = {k: os.path.join(folder, f"{k}.label") for k in FLAGS}
        # train ships every label; val is read with whichever labels it has
        flags = {
            k: parse_flags(p) for k, p in labels.items() if split == "train" or os.path.isfile(p)
        }
    elif len(boxes) != 1:
        raise InputFileError(gt, f"test split: expected 1 box, got {len(boxes)}")
    video = SotVideo(name, [f"{name}/{f}" for f in frames], boxes, height, width, flags)
    meta_info = read_meta_info(os.path.join(folder, "meta_info.ini"))
    if meta_info is not None:
        video.info["meta_info"] = meta_info
    if split != "test":
        check_lengths(video, gt)
    return video
