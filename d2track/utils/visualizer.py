"""Drawing tracks with Detectron2's Visualizer: one stable colour per track identity."""

import colorsys

import numpy as np
from detectron2.utils.visualizer import Visualizer

__all__ = ["id_color", "draw_tracks"]


def id_color(instance_id):
    """A bright RGB colour in [0, 1]^3 that depends only on ``instance_id`` (golden-ratio hues)."""
    hue = (int(instance_id) * 0.6180339887) % 1.0
    return colorsys.hsv_to_rgb(hue, 0.85, 1.0)


def draw_tracks(image, *, boxes, instance_ids, labels=None, masks=None, scale=1.0):
    """Draw boxes (and masks) coloured and labelled by track id.

    Args:
        image (np.ndarray): (H, W, 3) RGB uint8.
        boxes (np.ndarray): (N, 4) ``XYXY_ABS``.
        instance_ids (Sequence[int]): (N,) track ids.
        labels (list[str] or None): (N,) text; default ``#<id>``.
        masks (np.ndarray or None): (N, H, W) bool.

    Returns:
        np.ndarray: (H * scale, W * scale, 3) RGB uint8.
    """
    ids = [int(i) for i in instance_ids]
    labels = labels if labels is not None else [f"#{i}" for i in ids]
    vis = Visualizer(image, scale=scale)
    if not ids:
        return vis.output.get_image()
    return vis.overlay_instances(
        boxes=np.asarray(boxes),
        labels=labels,
        masks=masks,
        assigned_colors=[id_color(i) for i in ids],
    ).get_image()
