"""Synthetic videos written as CocoVID datasets: the project's embedded default data.

Textured objects of several classes move at varied speeds, enter and leave the frame, rotate,
deform and occlude each other; some videos have a moving camera, occluder bars, motion blur and
noise, so that temporal methods have something to fix. Everything follows from one seed.

Two hard MOT tasks are built to stress trackers where DanceTrack and SportsMOT do (one class,
``pedestrian``; 80 frames a video; see :mod:`.synthetic_tasks`): ``mot_dance``, look-alike
dancers that turn, stop, reverse and cross all the time before a static camera, and
``mot_sports``, players in three kits, fast and erratic, filmed by a camera that pans and zooms.

On disk (``<folder>`` is an ``--out`` folder or a cache folder ``<task>_<split>_<hash>``)::

    <folder>/annotations.json              CocoVID json (MMTracking's; 0-based frame ids)
    <folder>/images/video_0000/000000.jpg  frames; ``file_name`` is relative to images/

Command line::

    python -m d2track.data.datasets.synthetic --task mot --split train --out DIR [--num-videos N]
    python -m d2track.data.datasets.synthetic --task mot_dance --split val --set looks=2
"""

import argparse
import dataclasses
import json
import logging
import os
import shutil

import cv2
import numpy as np
from tqdm import tqdm

from d2track.utils.file_io import atomic_open, new_file_mode

from .root import datasets_root
from .staging import make_staging_dir
from .synthetic_render import encode_mask, mask_box, visible_mask
from .synthetic_scene import render_frame, sample_scene
from .synthetic_tasks import (
    FORMAT_VERSION,
    SYNTHETIC_TASKS,
    SyntheticVideoParams,
    params_dict,
    params_hash,
    synthetic_classes,
    synthetic_params,
)

__all__ = [
    "SYNTHETIC_TASKS",
    "SyntheticVideoParams",
    "synthetic_classes",
    "synthetic_params",
    "params_hash",
    "write_synthetic_videos",
    "ensure_synthetic_videos",
    "main",
]

logger = logging.getLogger(__name__)


class _CocoVidBuilder:
    """Collects videos, images and annotations with 1-based ids and global 0-based instance ids."""

    def __init__(self, classes):
        self.categories = [{"id": i + 1, "name": name} for i, name in enumerate(classes)]
        self.videos, self.images, self.annotations = [], [], []
        self._instance_ids = {}

    def add_video(self, name, height, width):
        video_id = len(self.videos) + 1
        self.videos.append({"id": video_id, "name": name, "width": width, "height": height})
        return video_id

    def add_image(self, video_id, frame_id, file_name, height, width):
        image = {"id": len(self.images) + 1, "video_id": video_id, "frame_id": frame_id}
        self.images.append(dict(image, file_name=file_name, height=height, width=width))
        return image["id"]

    def add_annotation(self, image_id, video_id, key, mask, box, *, category_id, area, visibility):
        """``key`` identifies the object in the whole dataset; it maps to its ``instance_id``."""
        instance_id = self._instance_ids.setdefault(key, len(self._instance_ids))
        ann = {"id": len(self.annotations) + 1, "image_id": image_id, "video_id": video_id}
        ann.update(category_id=category_id, instance_id=instance_id, bbox=box)
        ann.update(area=area, iscrowd=0, visibility=round(visibility, 4))
        self.annotations.append(dict(ann, segmentation=encode_mask(mask)))

    def to_dict(self, info):
        return {
            "info": info,
            "videos": self.videos,
            "images": self.images,
            "annotations": self.annotations,
            "categories": self.categories,
        }


def _write_frame(path, image, quality):
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise IOError(f"Could not encode {path}")
    with open(path, "wb") as f:
        f.write(encoded.tobytes())


def _write_video(params, index, image_root, builder):
    styles = SYNTHETIC_TASKS[params.task].styles
    scene = sample_scene(np.random.default_rng([params.seed, index]), params, styles)
    name = f"video_{index:04d}"
    os.makedirs(os.path.join(image_root, name), exist_ok=True)
    video_id = builder.add_video(name, params.height, params.width)
    for t in range(params.num_frames):
        image, owner, placed = render_frame(scene, t)
        file_name = f"{name}/{t:06d}.jpg"
        _write_frame(os.path.join(image_root, file_name), image, params.jpeg_quality)
        image_id = builder.add_image(video_id, t, file_name, params.height, params.width)
        _annotate_frame(builder, scene, owner, placed, image_id, video_id, index, params)


def _annotate_frame(builder, scene, owner, placed, image_id, video_id, video_index, params):
    """Annotate the objects that show enough (``params.min_visible_pixels``, ``_side``)."""
    for i, obj in enumerate(scene.objects):
        if not obj.annotated:
            continue
        mask, count, visibility = visible_mask(owner, placed[i], i)
        if count < max(1, params.min_visible_pixels):
            continue
        box = mask_box(mask)
        if min(box[2:]) >= params.min_visible_side:
            ann = dict(category_id=obj.category + 1, area=float(count), visibility=visibility)
            builder.add_annotation(image_id, video_id, (video_index, i), mask, box, **ann)


def _layout(folder):
    return os.path.join(folder, "annotations.json"), os.path.join(folder, "images")


def write_synthetic_videos(params, out_dir, *, progress=False):
    """Generate the dataset of ``params`` into ``out_dir`` (the json is written last, atomically).

    Returns:
        tuple[str, str]: ``(json_file, image_root)``.
    """
    json_file, image_root = _layout(out_dir)
    builder = _CocoVidBuilder(synthetic_classes(params.task))
    total, desc = params.num_videos * params.num_frames, f"synthetic {params.task} frames"
    with tqdm(total=total, desc=desc, disable=not progress, unit="frame") as bar:
        for index in range(params.num_videos):
            _write_video(params, index, image_root, builder)
            bar.update(params.num_frames)
    info = {"description": "d2track synthetic videos", "version": FORMAT_VERSION}
    info["params"] = params_dict(params)
    with atomic_open(json_file, "w", encoding="utf-8") as f:
        json.dump(builder.to_dict(info), f, separators=(",", ":"), allow_nan=False)
    return json_file, image_root


def _default_root():
    return os.path.join(datasets_root(), "synthetic_videos")


def ensure_synthetic_videos(task, split, root=None, *, progress=False, **overrides):
    """Generate a synthetic split on first use and return its paths; later calls only return them.

    The dataset goes to ``<root>/<task>_<split>_<hash of params>/`` (``root`` defaults to
    ``$DETECTRON2_DATASETS/synthetic_videos``). It is written to a hidden temporary folder that is
    renamed into place only when complete, so a crash never leaves a dataset that looks complete,
    and of processes that race, the first rename wins and the others discard their identical
    copies. A killed process leaves its hidden ``.<folder>.<host>.<pid>.*.tmp`` folder behind;
    the next generation removes it once that process is gone (see :mod:`.staging`).

    Args:
        task (str): ``vid``, ``mot``, ``sot``, ``vis``, ``mot_dance`` or ``mot_sports``.
        split (str): ``train``, ``val``, ...; picks the default seed and size.
        root (str or None): parent folder of the cache.
        progress (bool): show a progress bar while generating.
        overrides: fields of :class:`SyntheticVideoParams`.

    Returns:
        tuple[str, str]: ``(json_file, image_root)``.
    """
    params = synthetic_params(task, split, **overrides)
    root = _default_root() if root is None else root
    folder = os.path.join(root, f"{task}_{split}_{params_hash(params)}")
    paths = _layout(folder)
    if os.path.isfile(paths[0]):
        return paths
    logger.info(f"Generating synthetic {task} {split} videos into {folder}")
    tmp = make_staging_dir(root, os.path.basename(folder))
    try:
        write_synthetic_videos(params, tmp, progress=progress)
        os.chmod(tmp, new_file_mode(directory=True))  # mkdtemp's folder is private
        _rename_if_absent(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return paths


def _rename_if_absent(tmp, folder):
    try:
        os.rename(tmp, folder)  # fails if another process has put a (non-empty) folder there
    except OSError as e:
        if not os.path.isfile(_layout(folder)[0]):
            raise RuntimeError(f"Cannot move {tmp} to {folder} (incomplete? delete it)") from e


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--task", required=True, choices=list(SYNTHETIC_TASKS))
    parser.add_argument("--split", default="train", help="picks the default seed and size")
    parser.add_argument(
        "--out", help="output folder (default: the cache under $DETECTRON2_DATASETS)"
    )
    for name in ("num_videos", "num_frames", "height", "width", "seed"):
        parser.add_argument("--" + name.replace("_", "-"), dest=name, type=int)
    parser.add_argument(
        "--set", nargs="+", action="extend", default=[], metavar="KEY=VALUE", help="other params"
    )
    return parser.parse_args(argv)


def _overrides(args):
    fields = {f.name: f.type for f in dataclasses.fields(SyntheticVideoParams)}
    names = ("num_videos", "num_frames", "height", "width", "seed")
    overrides = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    for item in args.set:
        key, _, value = item.partition("=")
        if key not in fields or key == "task":
            raise SystemExit(f"--set: unknown param {key!r}; known: {sorted(fields)}")
        overrides[key] = fields[key](value)
    return overrides


def main(argv=None):
    """Command line entry point; see the module docstring."""
    args = _parse_args(argv)
    overrides = _overrides(args)
    if args.out is None:
        json_file, image_root = ensure_synthetic_videos(
            args.task, args.split, progress=True, **overrides
        )
    else:
        params = synthetic_params(args.task, args.split, **overrides)
        json_file, image_root = write_synthetic_videos(params, args.out, progress=True)
    print(f"json_file: {json_file}\nimage_root: {image_root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
