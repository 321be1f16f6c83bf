"""Scoring reset-based VOT result files (regions and codes 1/2/0) with MMTracking 0.x
``eval_sot_eao`` / ``eval_sot_accuracy_robustness`` on the VOT toolkit's overlaps
(:mod:`.vot_metrics`).
"""

import json
import os

from d2track.utils.input_files import (
    InputFileError,
    read_lines,
    read_text,
    require_dir,
    require_file,
)

from ..results_io import list_txt_names, plain_numbers, unscored_names
from .txt_io import read_boxes, read_vot_results
from .vot_metrics import VOT_INTERVALS, VOTInputError, evaluate_vot, parse_trajectory

__all__ = ["evaluate_vot_files", "find_vot_image_size"]

_VOT_REFERENCE = "MMTracking 0.x eval_sot_eao/eval_sot_accuracy_robustness (VOT toolkit overlaps)"
_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp")


def _vot_sequences(gt_dir):
    """{name: gt file}; the VOT layout ``<seq>/groundtruth.txt`` if present, else ``<seq>.txt``."""
    require_dir(gt_dir, "ground-truth folder")
    folders = sorted(
        n for n in os.listdir(gt_dir) if os.path.isfile(os.path.join(gt_dir, n, "groundtruth.txt"))
    )
    if folders:
        return {n: os.path.join(gt_dir, n, "groundtruth.txt") for n in folders}
    names = list_txt_names(gt_dir)
    if not names:
        raise InputFileError(gt_dir, "no <seq>.txt or <seq>/groundtruth.txt ground truth")
    return {n: os.path.join(gt_dir, f"{n}.txt") for n in names}


def _first_image(folder):
    if not os.path.isdir(folder):
        return None
    images = sorted(n for n in os.listdir(folder) if n.lower().endswith(_IMAGE_EXTENSIONS))
    return os.path.join(folder, images[0]) if images else None


def _read_image_sizes(path):
    try:
        sizes = json.loads(read_text(path, "image sizes file"))
    except json.JSONDecodeError as e:
        raise InputFileError(path, f"invalid json: {e.msg}", e.lineno) from None
    if not isinstance(sizes, dict):
        raise InputFileError(path, 'expected a json object {"<seq>": [W, H]}')
    for name, size in sizes.items():
        ok = isinstance(size, list) and len(size) == 2
        if not (ok and all(isinstance(v, int) and not isinstance(v, bool) for v in size)):
            raise InputFileError(path, f"{name!r}: expected [W, H] integers, got {size!r}")
        if min(size) < 1:
            raise InputFileError(path, f"{name!r}: sizes must be >= 1, got {size!r}")
    return sizes


def find_vot_image_size(gt_dir, name, image_sizes=None, *, image_sizes_path="image_sizes"):
    """``(W, H)`` of a sequence's frames: the first image of ``<gt_dir>/<name>/color/`` or
    ``<gt_dir>/<name>/``, else ``image_sizes[name]``.

    Args:
        gt_dir (str): the ground-truth folder.
        name (str): the sequence.
        image_sizes (dict or None): ``{name: [W, H]}`` read from ``image_sizes_path``.

    Raises:
        InputFileError: naming the sequence when neither gives a size, or an unreadable image.
    """
    from PIL import Image

    seq_dir = os.path.join(gt_dir, name)
    image = _first_image(os.path.join(seq_dir, "color")) or _first_image(seq_dir)
    if image is not None:
        try:
            with Image.open(image) as im:
                return tuple(int(v) for v in im.size)
        except OSError as e:
            raise InputFileError(image, f"cannot read the image size ({e})") from None
    if image_sizes is not None and name in image_sizes:
        return tuple(image_sizes[name])
    where = f"no entry in {image_sizes_path}" if image_sizes is not None else "no --image-sizes"
    raise InputFileError(
        seq_dir,
        f"image size of sequence {name!r} unknown: no image in {seq_dir}[/color] and {where}",
    )


def _vot_results_path(results_dir, name):
    flat = os.path.join(results_dir, f"{name}.txt")
    toolkit = os.path.join(results_dir, name, f"{name}_001.txt")
    if not os.path.isfile(flat) and os.path.isfile(toolkit):
        return toolkit
    return require_file(flat, f"results of sequence {name} (or {toolkit})")


def _raise_at_line(path, error):
    """Re-raise a :class:`VOTInputError` at the line of ``path`` that holds its frame."""
    numbers = [number for number, _ in read_lines(path)]
    line = numbers[error.frame] if error.frame < len(numbers) else None
    raise InputFileError(path, str(error), line) from None


def _read_trajectory(name, path, length, gt_path):
    trajectory = read_vot_results(path)
    if len(trajectory) != length:
        raise InputFileError(
            path, f"{len(trajectory)} lines for the {length} frames of the ground truth {gt_path}"
        )
    try:
        parse_trajectory(name, trajectory)  # code order, named by line
    except VOTInputError as e:
        _raise_at_line(path, e)
    return trajectory


def evaluate_vot_files(gt_dir, results_dir, *, dataset="vot2018", image_sizes_path=None, burnin=10):
    """Score reset-based VOT result files (EAO, accuracy, robustness).

    Args:
        gt_dir (str): ``<gt_dir>/<seq>.txt`` or ``<gt_dir>/<seq>/groundtruth.txt`` (boxes or
            8-value polygons), frames in ``<gt_dir>/<seq>/color/`` or ``<gt_dir>/<seq>/``.
        results_dir (str): ``<results_dir>/<seq>.txt`` or the toolkit's
            ``<results_dir>/<seq>/<seq>_001.txt``: regions and codes 1/2/0.
        dataset (str): a key of :data:`~d2track.evaluation.sot.vot_metrics.VOT_INTERVALS`.
        image_sizes_path (str or None): json ``{"<seq>": [W, H]}`` for sequences without images.
        burnin (int): frames after an initialisation ignored by accuracy.

    Returns:
        dict: ``eao``, ``accuracy``, ``robustness``, ``num_failures``, ``eao_curve``,
        ``per_video``, plus ``dataset``, ``interval``, ``burnin``, ``image_sizes``,
        ``reference`` and ``ignored_results``.
    """
    if dataset not in VOT_INTERVALS:
        raise ValueError(f"dataset must be one of {sorted(VOT_INTERVALS)}, got {dataset!r}")
    sequences = _vot_sequences(gt_dir)
    require_dir(results_dir, "results folder")
    json_sizes = None if image_sizes_path is None else _read_image_sizes(image_sizes_path)
    gts, results, sizes, paths = {}, {}, {}, {}
    for name, gt_path in sequences.items():
        gts[name] = read_boxes(gt_path)
        if len(gts[name]) == 0:
            raise InputFileError(gt_path, "no regions (empty file)")
        paths[name] = _vot_results_path(results_dir, name)
        results[name] = _read_trajectory(name, paths[name], len(gts[name]), gt_path)
        sizes[name] = find_vot_image_size(
            gt_dir, name, json_sizes, image_sizes_path=image_sizes_path
        )
    try:
        out = evaluate_vot(
            results, gts, image_sizes=sizes, interval=VOT_INTERVALS[dataset], burnin=burnin
        )
    except VOTInputError as e:
        if e.video not in paths:
            raise
        _raise_at_line((sequences if e.source == "gt" else paths)[e.video], e)
    listed = set(list_txt_names(results_dir)) | {
        n for n in os.listdir(results_dir) if os.path.isdir(os.path.join(results_dir, n))
    }
    out.update(
        dataset=dataset,
        interval=VOT_INTERVALS[dataset],
        burnin=burnin,
        image_sizes=sizes,
        reference=_VOT_REFERENCE,
        ignored_results=unscored_names(listed, sequences),
    )
    return plain_numbers(out)
