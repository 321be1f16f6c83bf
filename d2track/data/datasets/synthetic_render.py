"""Drawing for the synthetic videos: outlines, textures, sprites, warping, degradations, masks.

Objects are textured :class:`Sprite` s drawn in their own frame once per video and warped to their
pose in every frame; :func:`paste` records which object owns each pixel, from which
:func:`visible_mask` reads visible masks and visibility.
"""

from dataclasses import dataclass

import cv2
import numpy as np
import pycocotools.mask as mask_util

__all__ = [
    "ObjectStyle",
    "Sprite",
    "Placed",
    "outline",
    "fill_polygon",
    "make_sprite",
    "background",
    "pitch",
    "warp_sprite",
    "paste",
    "motion_blur",
    "add_noise",
    "visible_mask",
    "encode_mask",
    "mask_box",
]

_UNIT_OUTLINES = {
    "square": [(-1, -1), (1, -1), (1, 1), (-1, 1)],
    "triangle": [(0, -1), (1, 1), (-1, 1)],
    "diamond": [(0, -1), (1, 0), (0, 1), (-1, 0)],
    "hexagon": [(np.cos(a), np.sin(a)) for a in np.arange(6) * np.pi / 3],
    "star": [
        (r * np.cos(a), r * np.sin(a))
        for a, r in zip(-np.pi / 2 + np.arange(10) * np.pi / 5, [1.0, 0.45] * 5)
    ],
}


@dataclass(frozen=True)
class ObjectStyle:
    """Look of a class: outline kind, hue (OpenCV, 0-179; None: any hue) and texture kind."""

    name: str
    shape: str
    hue: object
    texture: str
    saturation: tuple = (150, 256)


@dataclass(frozen=True)
class Sprite:
    """An object in its own frame: ``rgb`` (h, w, 3) uint8 BGR and ``mask`` (h, w) uint8 0/255."""

    rgb: np.ndarray
    mask: np.ndarray


@dataclass(frozen=True)
class Placed:
    """A sprite warped to the screen: top-left corner (x0, y0), ``rgb`` and bool ``mask``."""

    x0: int
    y0: int
    rgb: np.ndarray
    mask: np.ndarray


def outline(kind, rx, ry, *, vertices=24):
    """Outline of a ``kind`` shape centred on (0, 0) with half-width ``rx`` and half-height ``ry``.

    Kinds: square, circle, triangle, diamond, hexagon, star, rounded_rect.

    Returns:
        np.ndarray: float64 (K, 2) vertices in (x, y) pixels.
    """
    if kind == "circle":
        angles = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
        return np.stack([rx * np.cos(angles), ry * np.sin(angles)], axis=1)
    if kind == "rounded_rect":
        return _rounded_rect(rx, ry, 0.6 * min(rx, ry))
    return np.asarray(_UNIT_OUTLINES[kind], dtype=np.float64) * (rx, ry)


def _rounded_rect(rx, ry, radius, points_per_corner=6):
    corners = []
    for sign_x, sign_y, start in [(1, 1, 0), (-1, 1, 0.5), (-1, -1, 1), (1, -1, 1.5)]:
        angles = (start + np.linspace(0, 0.5, points_per_corner)) * np.pi
        arc = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
        corners.append(arc + (sign_x * (rx - radius), sign_y * (ry - radius)))
    return np.concatenate(corners)


def fill_polygon(image, polygon, color, *, subpixel_bits=0):
    """Fill ``polygon`` (K, 2) on ``image`` in place, with ``subpixel_bits`` of vertex precision."""
    points = np.round(np.asarray(polygon) * (1 << subpixel_bits)).astype(np.int32)
    cv2.fillPoly(image, [points], color=color, shift=subpixel_bits)
    return image


def _hsv_to_bgr(h, s, v):
    pixel = np.array([[[h % 180, np.clip(s, 0, 255), np.clip(v, 0, 255)]]], dtype=np.uint8)
    return cv2.cvtColor(pixel, cv2.COLOR_HSV2BGR)[0, 0].astype(np.float32)


def _colors(rng, style):
    """A main and a secondary colour: the class hue with jitter, the secondary darker."""
    hue = rng.uniform(0, 180) if style.hue is None else style.hue + rng.uniform(-8, 8)
    sat, value = rng.uniform(*style.saturation), rng.uniform(150, 256)
    return _hsv_to_bgr(hue, sat, value), _hsv_to_bgr(hue, sat, value * rng.uniform(0.3, 0.55))


def _pattern(kind, x, y, period, angle):
    u, v = x * np.cos(angle) + y * np.sin(angle), -x * np.sin(angle) + y * np.cos(angle)
    if kind == "stripes":
        return np.sin(2 * np.pi * u / period) > 0
    if kind == "checker":
        return (np.floor(u / period) + np.floor(v / period)) % 2 > 0
    if kind == "dots":
        return (u % period - period / 2) ** 2 + (v % period - period / 2) ** 2 < (period / 3) ** 2
    if kind == "rings":
        return np.sin(2 * np.pi * np.hypot(x - x.mean(), y - y.mean()) / period) > 0
    if kind == "grid":
        return (u % period < period / 4) | (v % period < period / 4)
    if kind == "waves":
        return np.sin(2 * np.pi * (u + period / 3 * np.sin(np.pi * v / period)) / period) > 0
    if kind == "person":  # shirt, trousers, a skin-coloured head band
        return y > 0.55 * y.max()
    return np.zeros_like(x, dtype=bool)


def _texture(rng, style, height, width):
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    main, second = _colors(rng, style)
    field = _pattern(style.texture, x, y, rng.uniform(3.5, 8), rng.uniform(0, np.pi))
    image = np.where(field[..., None], second, main)
    if style.texture == "person":
        image[y < 0.2 * height] = _hsv_to_bgr(rng.uniform(5, 20), rng.uniform(60, 150), 200)
    image = image * (1.1 - 0.3 * y / height)[..., None]  # light from above
    image += rng.normal(0, 6, size=(height, width, 1)).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def make_sprite(rng, style, *, width, height):
    """A textured sprite of ``style`` whose outline spans ``width`` x ``height`` pixels."""
    patch_w, patch_h = int(np.ceil(width)) + 2, int(np.ceil(height)) + 2
    polygon = outline(style.shape, width / 2, height / 2) + (patch_w / 2, patch_h / 2)
    mask = fill_polygon(np.zeros((patch_h, patch_w), np.uint8), polygon, 255, subpixel_bits=4)
    rgb = _texture(rng, style, patch_h, patch_w)
    points = np.round(polygon * 16).astype(np.int32)
    cv2.polylines(rgb, [points], True, (20, 20, 20), 1, lineType=cv2.LINE_AA, shift=4)
    return Sprite(rgb=rgb, mask=mask)


def background(rng, height, width):
    """Smooth, muted clutter: a few scales of upsampled noise, mostly grey, with grain."""
    image = np.zeros((height, width, 3), np.float32)
    for cells, amplitude in [(4, 70.0), (12, 25.0)]:
        low = rng.uniform(-1, 1, size=(cells, cells, 3)).astype(np.float32)
        image += amplitude * cv2.resize(low, (width, height), interpolation=cv2.INTER_CUBIC)
    image = 0.4 * image + 0.6 * image.mean(axis=2, keepdims=True) + rng.uniform(70, 130)
    image += rng.normal(0, 4, size=(height, width, 1)).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def pitch(rng, height, width):
    """A sports pitch: mown grass in stripes, white touchlines, halfway line and centre circle."""
    x = np.arange(width, dtype=np.float32)
    stripes = np.floor(x / rng.uniform(0.08, 0.14) / width) % 2  # mowing, across the pitch
    grass = _hsv_to_bgr(rng.uniform(40, 55), rng.uniform(120, 200), rng.uniform(110, 150))
    image = np.tile(grass * (0.92 + 0.16 * stripes)[:, None], (height, 1, 1))
    low = rng.uniform(-1, 1, size=(6, 6, 1)).astype(np.float32)
    image += 12 * cv2.resize(low, (width, height), interpolation=cv2.INTER_CUBIC)[..., None]
    white, thick = (235, 235, 235), max(1, round(min(height, width) / 128))
    inset = np.round(rng.uniform(0.04, 0.1, size=2) * (width, height)).astype(int)
    cv2.rectangle(image, tuple(inset), (width - 1 - inset[0], height - 1 - inset[1]), white, thick)
    middle = int(rng.uniform(0.35, 0.65) * width)
    cv2.line(image, (middle, inset[1]), (middle, height - 1 - inset[1]), white, thick)
    radius = int(rng.uniform(0.1, 0.16) * min(height, width))
    cv2.circle(image, (middle, height // 2), radius, white, thick, lineType=cv2.LINE_AA)
    image += rng.normal(0, 5, size=(height, width, 1)).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def warp_sprite(sprite, pose, height, width):
    """Warp ``sprite`` to ``pose`` (cx, cy, angle, sx, sy) in screen pixels.

    Returns:
        Placed or None: the whole warped object (also its parts outside the frame), or None
        when it does not reach into the ``height`` x ``width`` frame.
    """
    cx, cy, angle, sx, sy = pose
    h, w = sprite.mask.shape
    cos, sin = np.cos(angle), np.sin(angle)
    linear = np.array([[cos * sx, -sin * sy], [sin * sx, cos * sy]])
    shift = np.array([cx, cy]) - linear @ (w / 2, h / 2)
    corners = np.array([[0, 0], [w, 0], [0, h], [w, h]]) @ linear.T + shift
    (x0, y0), (x1, y1) = np.floor(corners.min(0)).astype(int), np.ceil(corners.max(0)).astype(int)
    if x1 <= 0 or y1 <= 0 or x0 >= width or y0 >= height:
        return None
    matrix = np.hstack([linear, (shift - (x0, y0))[:, None]])
    size = (int(x1 - x0), int(y1 - y0))
    rgb = cv2.warpAffine(sprite.rgb, matrix, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpAffine(sprite.mask, matrix, size, flags=cv2.INTER_LINEAR) > 127
    return Placed(x0=int(x0), y0=int(y0), rgb=rgb, mask=mask)


def _clip(placed, height, width):
    """Frame slices and patch slices of the part of ``placed`` inside the frame."""
    h, w = placed.mask.shape
    fx0, fy0 = max(placed.x0, 0), max(placed.y0, 0)
    fx1, fy1 = min(placed.x0 + w, width), min(placed.y0 + h, height)
    frame = (slice(fy0, fy1), slice(fx0, fx1))
    patch = (slice(fy0 - placed.y0, fy1 - placed.y0), slice(fx0 - placed.x0, fx1 - placed.x0))
    return frame, patch


def paste(image, owner, placed, index):
    frame, patch = _clip(placed, *owner.shape)
    mask = placed.mask[patch]
    np.copyto(image[frame], placed.rgb[patch], where=mask[..., None])
    np.copyto(owner[frame], np.int16(index), where=mask)


def motion_blur(image, length, angle):
    """Blur ``image`` along a line of ``length`` pixels at ``angle`` radians."""
    size = int(length) | 1
    kernel, c = np.zeros((size, size), np.float32), size // 2
    dx, dy = c * np.cos(angle), c * np.sin(angle)
    cv2.line(kernel, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1.0, 1)
    return cv2.filter2D(image, -1, kernel / kernel.sum(), borderType=cv2.BORDER_REFLECT)


def add_noise(image, sigma, seed):
    """Add Gaussian noise of ``sigma`` drawn from ``seed`` (so frames are reproducible)."""
    noise = np.random.default_rng(int(seed)).normal(0, sigma, size=image.shape)
    return np.clip(image + noise.astype(np.float32), 0, 255).astype(np.uint8)


def visible_mask(owner, placed, index):
    """Visible mask of object ``index``: (H, W) uint8 0/1 in Fortran order, as RLE encoding wants.

    Returns:
        tuple: the mask, its pixel count and the visibility in [0, 1], the fraction of the whole
        object (parts outside the frame included) that is seen.
    """
    mask = np.zeros(owner.shape, dtype=np.uint8, order="F")
    if placed is None:
        return mask, 0, 0.0
    frame, _ = _clip(placed, *owner.shape)
    visible = owner[frame] == index
    mask[frame] = visible
    count = int(np.count_nonzero(visible))
    return mask, count, min(1.0, count / max(1, int(np.count_nonzero(placed.mask))))


def encode_mask(mask):
    """COCO RLE of a (H, W) mask with ``counts`` as str (JSON-serialisable)."""
    rle = mask_util.encode(np.asfortranarray(mask, dtype=np.uint8))
    return {"size": [int(s) for s in rle["size"]], "counts": rle["counts"].decode("ascii")}


def mask_box(mask):
    """Box ``[x, y, w, h]`` (floats) of a non-empty (H, W) mask, as ``pycocotools`` ``toBbox``."""
    ys, xs = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    return [float(xs[0]), float(ys[0]), float(xs[-1] - xs[0] + 1), float(ys[-1] - ys[0] + 1)]
