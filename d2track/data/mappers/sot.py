"""SOT mappers: SiamFC-style training crops with shift and scale jitter, and whole test frames.

Follows the SiamRPN++ recipe of MMTracking 0.x (``SeqCropLikeSiamFC`` then ``SeqShiftScaleAug``):
each frame is read as float32 (``to_float32=True``) and cropped around its target with
context (``context_amount`` of the box perimeter), so that the target's context square maps to
``exemplar_size`` pixels inside a ``crop_size`` crop, padded with the image's mean colour; then
a window of ``output_size`` pixels, shifted and scaled at random, is cut from that crop's
centre; then the photometric augmentations of :mod:`.sot_augment` (``SeqGrayAug`` on the pair,
``SeqColorAug`` and ``SeqBlurAug`` per image).
"""

import math

import cv2
import numpy as np
import torch
from detectron2.data import detection_utils as utils
from detectron2.structures import BoxMode

from .sot_augment import colour_offset, cross_blur, to_grey

__all__ = ["crop_like_siamfc", "shift_scale_crop", "SOTTestMapper", "SOTTrainMapper", "sot_region"]


def _affine_crop(image, window, size):
    """Crop ``window`` (x0, y0, x1, y1) from ``image`` into a (size, size) image, mean-padded."""
    x0, y0, x1, y1 = window
    sx, sy = size / (x1 - x0), size / (y1 - y0)
    matrix = np.array([[sx, 0, -x0 * sx], [0, sy, -y0 * sy]], dtype=np.float64)
    mean = tuple(float(c) for c in image.reshape(-1, image.shape[2]).mean(axis=0))
    return cv2.warpAffine(
        image,
        matrix,
        (size, size),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=mean,
    )


def _map_box(box, window, size):
    x0, y0, x1, y1 = window
    scale = np.array([size / (x1 - x0), size / (y1 - y0)] * 2)
    return (np.asarray(box, dtype=np.float64) - np.array([x0, y0, x0, y0])) * scale


def crop_like_siamfc(image, box, *, context_amount=0.5, exemplar_size=127, crop_size=511):
    """Square crop centred on ``box`` whose context region spans ``exemplar_size`` pixels.

    Args:
        image (np.ndarray): (H, W, C).
        box (array): (4,) target box ``XYXY_ABS``.

    Returns:
        tuple[np.ndarray, np.ndarray]: the (crop_size, crop_size, C) crop and the (4,) box in it.
    """
    x0, y0, x1, y1 = box
    w, h, cx, cy = x1 - x0, y1 - y0, (x0 + x1) / 2, (y0 + y1) / 2
    context = context_amount * (w + h)
    z_size = math.sqrt((w + context) * (h + context))
    half = z_size * crop_size / exemplar_size / 2
    window = (cx - half, cy - half, cx + half, cy + half)
    return _affine_crop(image, window, crop_size), _map_box(box, window, crop_size)


def shift_scale_crop(image, box, *, output_size, shift, scale, rng):
    """Cut an ``output_size`` window near the centre of ``image``, randomly shifted and scaled.

    The window is ``output_size * (1 + u)`` wide/high (``u`` uniform in [-scale, scale], drawn
    per axis) and centred ``(dx, dy)`` off the image centre (uniform in [-shift, shift] pixels).

    Returns:
        tuple[np.ndarray, np.ndarray]: the (output_size, output_size, C) image and the (4,) box.
    """
    h, w = image.shape[:2]
    sw, sh = output_size * (1 + rng.uniform(-scale, scale, size=2))
    dx, dy = rng.uniform(-shift, shift, size=2)
    cx, cy = w / 2 + dx, h / 2 + dy
    window = (cx - sw / 2, cy - sh / 2, cx + sw / 2, cy + sh / 2)
    return _affine_crop(image, window, output_size), _map_box(box, window, output_size)


def _target_box(frame, instance_id):
    for anno in frame.get("annotations", []):
        if anno.get("instance_id") == instance_id:
            return BoxMode.convert(anno["bbox"], anno["bbox_mode"], BoxMode.XYXY_ABS)
    raise ValueError(f"{frame['file_name']}: no annotation with instance_id={instance_id}")


class SOTTrainMapper:
    """Maps a SOT pair sample to model input.

    Input: ``{"template": dict, "search": dict, "template_instance_id": int,
    "search_instance_id": int, "is_positive": bool}`` (from a SOT pair dataset).

    Output: ``template``: float32 Tensor (C, T, T), ``search``: float32 Tensor (C, S, S),
    ``template_box`` and ``search_box``: float32 Tensor (4,) ``XYXY_ABS`` in crop pixels,
    ``is_positive``: bool, and the two frames' ``file_name``.
    """

    def __init__(
        self,
        *,
        image_format="BGR",
        context_amount=0.5,
        exemplar_size=127,
        crop_size=511,
        template_size=127,
        search_size=255,
        shift=(4, 64),
        scale=(0.05, 0.18),
        grey_prob=0.0,
        colour_prob=(1.0, 1.0),
        blur_prob=(0.0, 0.2),
        seed=None,
    ):
        """
        Args:
            context_amount, exemplar_size, crop_size: of :func:`crop_like_siamfc`.
            template_size, search_size: output sizes T and S.
            shift, scale: (template, search) jitter of :func:`shift_scale_crop`.
            grey_prob (float): probability that the pair turns grey (``SeqGrayAug``; MMTracking
                0.x uses 0.2 in its OTB100 config, none in the others).
            colour_prob, blur_prob: (template, search) probabilities of
                :func:`~.sot_augment.colour_offset` and :func:`~.sot_augment.cross_blur`
                (MMTracking's ``SeqColorAug`` and ``SeqBlurAug`` defaults).
            seed (int or None): fixed seed for the jitter (tests); None: numpy's global RNG.
        """
        self.image_format = image_format
        self.crop = dict(
            context_amount=context_amount, exemplar_size=exemplar_size, crop_size=crop_size
        )
        self.sizes, self.shift, self.scale = (template_size, search_size), shift, scale
        self.grey_prob, self.colour_prob, self.blur_prob = grey_prob, colour_prob, blur_prob
        self.seed = seed

    def __call__(self, sample):
        rng = np.random.default_rng(
            self.seed if self.seed is not None else np.random.randint(2**31)
        )
        grey = rng.random() < self.grey_prob
        out = {"is_positive": bool(sample["is_positive"])}
        for i, role in enumerate(("template", "search")):
            frame = sample[role]
            image = utils.read_image(frame["file_name"], format=self.image_format)
            box = _target_box(frame, sample[f"{role}_instance_id"])
            crop, box = crop_like_siamfc(image.astype(np.float32), box, **self.crop)
            if grey:
                crop = to_grey(crop, image_format=self.image_format)
            crop, box = shift_scale_crop(
                crop,
                box,
                output_size=self.sizes[i],
                shift=self.shift[i],
                scale=self.scale[i],
                rng=rng,
            )
            crop = self._photometric(crop, i, rng)
            out[role] = torch.as_tensor(np.ascontiguousarray(crop.transpose(2, 0, 1)))
            out[f"{role}_box"] = torch.as_tensor(box, dtype=torch.float32)
            out[f"{role}_file_name"] = frame["file_name"]
        return out

    def _photometric(self, crop, i, rng):
        if rng.random() < self.colour_prob[i]:
            crop = colour_offset(crop, rng, image_format=self.image_format)
        if rng.random() < self.blur_prob[i]:
            crop = cross_blur(crop, rng)
        return crop


def sot_region(frame):
    """The frame's ground-truth region of its (single) target.

    Returns:
        ndarray: (8,) float64 VOT quadrilateral corners when the annotation has ``quad``, else
        (4,) ``(x, y, w, h)``; zeros where the frame has no annotation (the target is absent).
    """
    anns = frame.get("annotations") or []
    if not anns:
        return np.zeros(4)
    if "quad" in anns[0]:
        return np.asarray(anns[0]["quad"], dtype=np.float64)
    return np.asarray(
        BoxMode.convert(list(anns[0]["bbox"]), anns[0]["bbox_mode"], BoxMode.XYWH_ABS),
        dtype=np.float64,
    )


class SOTTestMapper:
    """Maps one frame dict of a single object tracking video (streamed in frame order).

    Output: the frame's dict without ``annotations``, plus ``image``: uint8 Tensor (C, H, W) in
    ``image_format``, and ``gt_region``: the (4,) ``(x, y, w, h)`` or (8,) quadrilateral
    ground truth of :func:`sot_region` (zeros where the target is absent). A tracker starts from
    frame 0's region (MMTracking's first-frame box; the VOT reset protocol also re-initialises
    from later ones), so frame 0 without a target box is an error.
    """

    def __init__(self, *, image_format="BGR"):
        self.image_format = image_format

    def __call__(self, frame):
        out = {k: v for k, v in frame.items() if k != "annotations"}
        out["gt_region"] = sot_region(frame)
        if frame["frame_id"] == 0 and not np.any(out["gt_region"]):
            raise ValueError(
                f"{frame['file_name']}: frame 0 of video {frame.get('video_id')} has no target "
                "box; a single object tracker starts from the first frame's box"
            )
        image = utils.read_image(frame["file_name"], format=self.image_format)
        out["image"] = torch.as_tensor(np.ascontiguousarray(image.transpose(2, 0, 1)))
        return out
