"""Seeded synthetic images of coloured shapes, so that training and tests need no download.

Each image shows up to ``max_objects`` squares, circles and triangles on a noisy background;
annotations carry boxes (``XYXY_ABS``) and polygon masks. Images are written once as PNG under a
folder named after the generation parameters and reused afterwards, so loading is
deterministic: the same ``seed`` always gives the same pixels and annotations.
"""

import os
from dataclasses import dataclass

import cv2
import numpy as np

from d2track.utils.file_io import atomic_open

from .synthetic_render import fill_polygon, outline

__all__ = [
    "SHAPE_CLASSES",
    "Shape",
    "shape_polygon",
    "draw_shapes",
    "random_shapes",
    "load_synthetic_shapes",
]

SHAPE_CLASSES = ("square", "circle", "triangle")
_CIRCLE_VERTICES = 24


@dataclass(frozen=True)
class Shape:
    """One object: class index into :data:`SHAPE_CLASSES`, centre and size in pixels, BGR colour."""

    category_id: int
    cx: float
    cy: float
    size: float
    color: tuple


def shape_polygon(shape):
    """Return the outline of ``shape`` as a float array of shape (K, 2) in (x, y) pixels."""
    r = shape.size / 2
    kind = SHAPE_CLASSES[shape.category_id]
    return outline(kind, r, r, vertices=_CIRCLE_VERTICES) + (shape.cx, shape.cy)


def draw_shapes(image, shapes):
    """Draw ``shapes`` on ``image`` (H, W, 3) in place; later shapes occlude earlier ones."""
    for shape in shapes:
        fill_polygon(image, shape_polygon(shape), tuple(int(c) for c in shape.color))
    return image


def random_shapes(rng, *, height, width, max_objects, min_size=16, max_size=40, max_iou=0.05):
    """Draw non-overlapping random shapes (1..max_objects) with ``rng`` (a numpy Generator)."""
    shapes, boxes = [], []
    for _ in range(rng.integers(1, max_objects + 1) * 10):
        if len(shapes) == max_objects:
            break
        size = rng.uniform(min_size, max_size)
        cx, cy = rng.uniform(size / 2, width - size / 2), rng.uniform(size / 2, height - size / 2)
        box = np.array([cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2])
        if any(_iou(box, other) > max_iou for other in boxes):
            continue
        color = tuple(int(c) for c in rng.integers(80, 256, size=3))
        shapes.append(Shape(int(rng.integers(len(SHAPE_CLASSES))), cx, cy, size, color))
        boxes.append(box)
    return shapes


def _iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _annotation(shape, height, width):
    from detectron2.structures import BoxMode

    polygon = shape_polygon(shape)
    polygon[:, 0] = polygon[:, 0].clip(0, width)
    polygon[:, 1] = polygon[:, 1].clip(0, height)
    x0, y0 = polygon.min(axis=0)
    x1, y1 = polygon.max(axis=0)
    return {
        "bbox": [float(x0), float(y0), float(x1), float(y1)],
        "bbox_mode": BoxMode.XYXY_ABS,
        "category_id": shape.category_id,
        "segmentation": [polygon.reshape(-1).tolist()],
        "iscrowd": 0,
    }


def _render(rng, height, width, max_objects):
    image = rng.integers(0, 60, size=(height, width, 3), dtype=np.uint8)
    shapes = random_shapes(rng, height=height, width=width, max_objects=max_objects)
    return draw_shapes(image, shapes), shapes


def load_synthetic_shapes(root, *, num_images, seed, height=128, width=128, max_objects=4):
    """Generate (once) and load a synthetic shapes split as Detectron2 dataset dicts.

    Args:
        root (str): parent folder; images go to ``root/<params>/<index>.png``.
        num_images (int): number of images.
        seed (int): seed of the numpy Generator; it fixes every pixel and annotation.
        height, width (int): image size.
        max_objects (int): at most this many shapes per image (at least one).

    Returns:
        list[dict]: one dict per image with ``file_name``, ``image_id``, ``height``, ``width``
        and ``annotations`` (``bbox`` in ``XYXY_ABS``, ``category_id``, ``segmentation``).
    """
    folder = os.path.join(root, f"n{num_images}_{height}x{width}_k{max_objects}_seed{seed}")
    rng = np.random.default_rng(seed)
    dicts = []
    for index in range(num_images):
        image, shapes = _render(rng, height, width, max_objects)
        file_name = os.path.join(folder, f"{index:06d}.png")
        if not os.path.isfile(file_name):
            ok, encoded = cv2.imencode(".png", image)
            with atomic_open(file_name, "wb") as f:
                f.write(encoded.tobytes())
        annotations = [_annotation(s, height, width) for s in shapes]
        dicts.append(
            dict(
                file_name=file_name,
                image_id=index,
                height=height,
                width=width,
                annotations=annotations,
            )
        )
    return dicts
