import cv2
import numpy as np
import pytest

from d2track.data.mappers.sot_augment import PCA_RGB_VAR, colour_offset, cross_blur, to_grey


@pytest.mark.parametrize("image_format", ["BGR", "RGB"])
def test_colour_offset_subtracts_the_pca_offset_in_image_channel_order(image_format):
    image = np.full((4, 5, 3), 100, dtype=np.uint8)
    z = np.random.default_rng(3).standard_normal(3)
    rgb = np.asarray(PCA_RGB_VAR) @ z
    out = colour_offset(image, np.random.default_rng(3), image_format=image_format)
    expected = 100 - (rgb[::-1] if image_format == "BGR" else rgb)
    assert out.dtype == np.float32 and out.shape == (4, 5, 3)
    np.testing.assert_allclose(out[2, 3], expected, rtol=1e-5)


def test_colour_offset_is_not_clipped():
    out = colour_offset(
        np.zeros((1, 1, 3), np.float32), np.random.default_rng(0), rgb_var=np.eye(3)
    )
    z = np.random.default_rng(0).standard_normal(3)
    np.testing.assert_allclose(out[0, 0], -z[::-1], rtol=1e-6)  # negative values kept


def test_cross_blur_spreads_an_impulse_over_a_cross():
    image = np.zeros((61, 61), dtype=np.float32)
    image[30, 30] = 1.0
    rng = np.random.default_rng(7)
    size = int(rng.choice(range(5, 46, 2)))
    weight = rng.random()
    out = cross_blur(image, np.random.default_rng(7))
    half = size // 2
    np.testing.assert_allclose(out.sum(), 1.0, rtol=1e-5)
    np.testing.assert_allclose(out[30 - half, 30], weight / size, rtol=1e-5)  # vertical bar
    np.testing.assert_allclose(out[30, 30 + half], (1 - weight) / size, rtol=1e-5)
    np.testing.assert_allclose(out[30, 30], 1 / size, rtol=1e-5)  # both bars
    assert abs(out[30 - half - 1, 30]) < 1e-6 and abs(out[29, 29]) < 1e-6  # outside the cross


def test_to_grey_keeps_three_equal_channels_with_the_format_weights():
    blue_bgr = np.zeros((2, 2, 3), dtype=np.float32)
    blue_bgr[..., 0] = 255
    grey = to_grey(blue_bgr, image_format="BGR")
    assert grey.shape == (2, 2, 3) and np.all(grey == grey[..., :1])
    np.testing.assert_allclose(grey[0, 0, 0], 0.114 * 255, atol=0.05)
    np.testing.assert_allclose(
        to_grey(blue_bgr, image_format="RGB")[0, 0, 0], 0.299 * 255, atol=0.05
    )
    assert cv2.cvtColor(blue_bgr, cv2.COLOR_BGR2GRAY)[0, 0] == grey[0, 0, 0]
