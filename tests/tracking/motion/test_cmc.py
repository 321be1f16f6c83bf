"""CameraMotionCompensation: ECC recovers a known shift and moves boxes with it."""

import logging

import cv2
import numpy as np
import pytest
import torch

from d2track.tracking.motion.cmc import CameraMotionCompensation

SHIFT = (3.3, -2.1)


def _textured(height=120, width=160, seed=0):
    """Smooth random texture (ECC needs gradients everywhere), (H, W, 3) uint8 BGR."""
    noise = np.random.default_rng(seed).random((height, width, 3)).astype(np.float32)
    smooth = cv2.GaussianBlur(noise, (0, 0), 3)
    return cv2.normalize(smooth, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)


def _shifted(image, dx, dy):
    matrix = np.float32([[1, 0, dx], [0, 1, dy]])
    size = (image.shape[1], image.shape[0])
    return cv2.warpAffine(image, matrix, size, borderMode=cv2.BORDER_REFLECT)


@pytest.mark.parametrize("downscale", [1.0, 2.0])
def test_recovers_translation(downscale):
    prev = _textured()
    matrix = CameraMotionCompensation(downscale=downscale).warp_matrix(prev, _shifted(prev, *SHIFT))
    assert matrix.shape == (2, 3) and matrix.dtype == torch.float32
    assert torch.allclose(matrix[:, :2], torch.eye(2), atol=1e-2)
    assert abs(matrix[0, 2].item() - SHIFT[0]) < 0.5
    assert abs(matrix[1, 2].item() - SHIFT[1]) < 0.5


def test_warp_boxes_moves_by_recovered_shift():
    prev = _textured()
    cmc = CameraMotionCompensation()
    matrix = cmc.warp_matrix(prev, _shifted(prev, *SHIFT))
    boxes = torch.tensor([[10.0, 20.0, 30.0, 60.0], [50.0, 5.0, 90.0, 45.0]])
    warped = cmc.warp_boxes(boxes, matrix)
    expected = boxes + torch.tensor([SHIFT[0], SHIFT[1], SHIFT[0], SHIFT[1]])
    assert warped.shape == (2, 4)
    assert torch.allclose(warped, expected, atol=0.5)


def test_warp_boxes_exact_for_a_hand_made_matrix():
    matrix = torch.tensor([[0.0, -1.0, 100.0], [1.0, 0.0, 0.0]])  # 90 degree rotation + shift
    warped = CameraMotionCompensation.warp_boxes(torch.tensor([[1.0, 2.0, 3.0, 4.0]]), matrix)
    assert warped.tolist() == [[98.0, 1.0, 96.0, 3.0]]


def test_identical_frames_give_identity():
    image = _textured()
    matrix = CameraMotionCompensation().warp_matrix(image, image.copy())
    assert torch.allclose(matrix, torch.eye(2, 3), atol=1e-4)


def test_grayscale_frames_accepted():
    prev = _textured()[..., 0]
    matrix = CameraMotionCompensation(warp_mode="translation").warp_matrix(
        prev, _shifted(prev, *SHIFT)
    )
    assert abs(matrix[0, 2].item() - SHIFT[0]) < 0.5


def test_size_mismatch_raises():
    cmc = CameraMotionCompensation()
    with pytest.raises(ValueError, match="same size"):
        cmc.warp_matrix(_textured(120, 160), _textured(100, 160))


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="warp_mode"):
        CameraMotionCompensation(warp_mode="homography")
    with pytest.raises(ValueError, match="downscale"):
        CameraMotionCompensation(downscale=0.5)
    with pytest.raises(ValueError, match="image"):
        CameraMotionCompensation().warp_matrix(np.zeros((4, 4, 2), np.uint8), np.zeros((4, 4)))
    with pytest.raises(ValueError, match=r"\(N, 4\)"):
        CameraMotionCompensation.warp_boxes(torch.zeros(3, 5), torch.eye(2, 3))


def test_ecc_failure_falls_back_to_identity(caplog):
    flat = np.zeros((60, 80, 3), np.uint8)  # no texture: ECC cannot converge
    with caplog.at_level(logging.WARNING, logger="d2track.tracking.motion.cmc"):
        matrix = CameraMotionCompensation().warp_matrix(_textured(60, 80), flat)
    assert torch.equal(matrix, torch.eye(2, 3))
    assert "ECC failed" in caplog.text
