"""Photometric augmentations of SiamRPN++'s training pairs, as MMTracking 0.x has them.

MMTracking 0.x ``mmtrack/datasets/pipelines/transforms.py`` (from pysot): ``SeqColorAug`` (a
random colour offset along the principal components of ImageNet's RGB colours, subtracted from
the float32 image, no clipping), ``SeqBlurAug`` (a cross-shaped motion-blur kernel of odd size
5..45 whose vertical bar holds ``u / size`` and horizontal bar ``(1 - u) / size``, ``u``
uniform, applied with ``cv2.filter2D``) and ``SeqGrayAug`` (both images of a pair to grey and
back to three channels). Each function takes a numpy ``Generator`` so that a seeded mapper is
reproducible; the random stream differs from MMTracking's global ``np.random``.
"""

import cv2
import numpy as np

__all__ = ["PCA_RGB_VAR", "colour_offset", "cross_blur", "to_grey"]

# MMTracking's / pysot's ``rgb_var``: rows multiply a standard normal (3,) draw into an RGB offset
PCA_RGB_VAR = (
    (-0.55919361, 0.98062831, -0.41940627),
    (1.72091413, 0.19879334, -1.82968581),
    (4.64467907, 4.73710203, 4.88324118),
)


def colour_offset(image, rng, *, image_format="BGR", rgb_var=PCA_RGB_VAR):
    """Subtract ``rgb_var @ z`` (``z`` standard normal) from every pixel.

    Args:
        image (np.ndarray): (H, W, 3) in ``image_format`` (``"BGR"`` or ``"RGB"``).
        rng (np.random.Generator): the random source.
        rgb_var (array): (3, 3) as :data:`PCA_RGB_VAR`; its output is an RGB offset.

    Returns:
        np.ndarray: (H, W, 3) float32, not clipped.
    """
    offset = np.asarray(rgb_var, dtype=np.float32) @ rng.standard_normal(3).astype(np.float32)
    if image_format == "BGR":
        offset = offset[::-1]
    return (image.astype(np.float32) - offset).astype(np.float32)


def cross_blur(image, rng, *, sizes=tuple(range(5, 46, 2))):
    """Blur with a random cross-shaped kernel (MMTracking's ``SeqBlurAug``).

    Args:
        image (np.ndarray): (H, W, C).
        rng (np.random.Generator): the random source.
        sizes (sequence[int]): odd kernel sides to draw from.

    Returns:
        np.ndarray: the blurred image, same shape and dtype.
    """
    size = int(rng.choice(sizes))
    weight = rng.random()
    kernel = np.zeros((size, size))
    centre = size // 2
    kernel[:, centre] += weight / size
    kernel[centre, :] += (1 - weight) / size
    return cv2.filter2D(image, -1, kernel)


def to_grey(image, *, image_format="BGR"):
    """(H, W, 3) colour image -> the same image in grey, still with 3 equal channels."""
    to, back = (
        (cv2.COLOR_BGR2GRAY, cv2.COLOR_GRAY2BGR)
        if image_format == "BGR"
        else (cv2.COLOR_RGB2GRAY, cv2.COLOR_GRAY2RGB)
    )
    return cv2.cvtColor(cv2.cvtColor(image, to), back)
