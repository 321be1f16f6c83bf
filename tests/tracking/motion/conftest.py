"""Seeded textured frames with a known camera motion between them."""

import cv2
import numpy as np
import pytest

HEIGHT, WIDTH, PAD = 360, 480, 40


def _texture(height, width, seed):
    """Smooth noise (ECC needs gradients everywhere) plus flat rectangles (corners for FAST and
    Shi-Tomasi), (H, W, 3) uint8 BGR."""
    rng = np.random.default_rng(seed)
    image = cv2.GaussianBlur(rng.random((height, width)).astype(np.float32), (0, 0), 2)
    image = cv2.normalize(image, None, 0, 255, cv2.NORM_MINMAX)
    for _ in range(150):
        x, y = rng.integers(0, width - 20), rng.integers(0, height - 20)
        w, h = rng.integers(6, 30, 2)
        cv2.rectangle(
            image, (int(x), int(y)), (int(x + w), int(y + h)), float(rng.integers(256)), -1
        )
    image = cv2.GaussianBlur(image, (0, 0), 1.0)
    return cv2.cvtColor(image.astype(np.uint8), cv2.COLOR_GRAY2BGR)


def textured_pair(seed=0, angle=1.5, shift=(5.0, -3.0)):
    """Two (360, 480, 3) frames and the (2, 3) warp between them: rotation by ``angle`` degrees
    about the image centre, then ``shift``. Both are crops of one larger texture, so that no
    border is invented."""
    big = _texture(HEIGHT + 2 * PAD, WIDTH + 2 * PAD, seed)
    warp = cv2.getRotationMatrix2D((WIDTH / 2, HEIGHT / 2), angle, 1.0)
    warp[:, 2] += shift
    # The same motion in the padded image's coordinates: T(pad) W T(-pad).
    big_warp = warp.copy()
    big_warp[:, 2] += PAD - warp[:, :2] @ [PAD, PAD]
    moved = cv2.warpAffine(big, big_warp, (big.shape[1], big.shape[0]), flags=cv2.INTER_LINEAR)
    crop = (slice(PAD, PAD + HEIGHT), slice(PAD, PAD + WIDTH))
    return big[crop], moved[crop], warp


@pytest.fixture
def frames():
    """``frames(seed=0, angle=1.5, shift=(5, -3)) -> (prev, cur, warp)``."""
    return textured_pair
