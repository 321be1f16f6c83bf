import cv2
import numpy as np
import pytest
import torch
from detectron2.structures import BoxMode

from d2track.data.mappers.sot import (
    SOTTestMapper,
    SOTTrainMapper,
    crop_like_siamfc,
    shift_scale_crop,
)


def target_image():
    image = np.zeros((200, 200, 3), dtype=np.uint8)
    image[40:80, 40:60] = 255  # target: x 40..60, y 40..80
    return image


def test_crop_like_siamfc_centres_and_scales_the_target():
    crop, box = crop_like_siamfc(target_image(), [40, 40, 60, 80], crop_size=511)
    z = np.sqrt((20 + 30) * (40 + 30))  # context 0.5 * (w + h) = 30
    scale = 127 / z
    np.testing.assert_allclose((box[:2] + box[2:]) / 2, [255.5, 255.5], atol=1e-6)
    np.testing.assert_allclose(box[2:] - box[:2], [20 * scale, 40 * scale], atol=1e-6)
    assert crop.shape == (511, 511, 3)
    assert crop[255, 255].tolist() == [255, 255, 255]
    mean = target_image().reshape(-1, 3).mean(axis=0)
    np.testing.assert_allclose(crop[0, 0], np.round(mean), atol=1)  # padded with the mean


def test_shift_scale_crop_without_jitter_is_a_centre_crop():
    image = np.arange(511 * 511 * 3, dtype=np.uint32).reshape(511, 511, 3).astype(np.float32)
    rng = np.random.default_rng(0)
    out, box = shift_scale_crop(
        image, [200, 210, 300, 320], output_size=255, shift=0, scale=0, rng=rng
    )
    np.testing.assert_allclose(box, [200 - 128, 210 - 128, 300 - 128, 320 - 128])
    np.testing.assert_allclose(out[0, 0], image[128, 128], rtol=1e-5)


def test_shift_scale_crop_jitter_is_bounded_and_seeded():
    image = np.zeros((511, 511, 3), dtype=np.uint8)
    boxes = []
    for seed in range(20):
        _, box = shift_scale_crop(
            image,
            [235.5, 235.5, 275.5, 275.5],
            output_size=255,
            shift=64,
            scale=0.18,
            rng=np.random.default_rng(seed),
        )
        centre = (box[:2] + box[2:]) / 2
        assert np.all(np.abs(centre - 127.5) <= 64 / 0.82 + 1e-6)
        assert np.all((box[2:] - box[:2] >= 40 / 1.18 - 1e-6) & (box[2:] - box[:2] <= 40 / 0.82))
        boxes.append(box)
    assert len({tuple(np.round(b, 3)) for b in boxes}) == 20


def test_sot_mapper_outputs(tmp_path):
    path = str(tmp_path / "f.png")
    cv2.imwrite(path, target_image())
    frame = {
        "file_name": path,
        "annotations": [
            {"bbox": [40, 40, 20, 40], "bbox_mode": BoxMode.XYWH_ABS, "instance_id": 3}
        ],
    }
    mapper = SOTTrainMapper(shift=(0, 0), scale=(0, 0), seed=0)
    sample = {
        "template": frame,
        "search": frame,
        "template_instance_id": 3,
        "search_instance_id": 3,
        "is_positive": True,
    }
    out = mapper(sample)
    assert out["template"].shape == (3, 127, 127) and out["search"].shape == (3, 255, 255)
    z = np.sqrt(50 * 70)
    np.testing.assert_allclose(
        out["template_box"][2:] - out["template_box"][:2], [20 * 127 / z, 40 * 127 / z], rtol=1e-5
    )
    np.testing.assert_allclose(
        (out["search_box"][:2] + out["search_box"][2:]) / 2, [127.5, 127.5], atol=1e-4
    )
    assert out["is_positive"] is True
    with pytest.raises(ValueError, match="no annotation with instance_id=4"):
        mapper({**sample, "search_instance_id": 4})


def _pair(tmp_path):
    image = target_image()
    image[40:80, 40:60] = (255, 128, 0)  # a blue target (BGR)
    path = str(tmp_path / "f.png")
    cv2.imwrite(path, image)
    frame = {
        "file_name": path,
        "annotations": [
            {"bbox": [40, 40, 20, 40], "bbox_mode": BoxMode.XYWH_ABS, "instance_id": 3}
        ],
    }
    return {
        "template": frame,
        "search": frame,
        "template_instance_id": 3,
        "search_instance_id": 3,
        "is_positive": True,
    }


def test_sot_mapper_photometric_augmentations(tmp_path):
    sample, fixed = _pair(tmp_path), dict(shift=(0, 0), scale=(0, 0), seed=0)
    plain = SOTTrainMapper(colour_prob=(0, 0), blur_prob=(0, 0), **fixed)(sample)
    assert plain["template"].dtype == torch.float32  # MMTracking's to_float32 pipeline
    # colour on both images (MMTracking's default): a constant per-channel offset
    coloured = SOTTrainMapper(blur_prob=(0, 0), **fixed)(sample)
    for role in ("template", "search"):
        delta = (coloured[role] - plain[role]).flatten(1)
        assert delta.abs().max() > 0.1
        torch.testing.assert_close(delta, delta[:, :1].expand_as(delta), atol=1e-3, rtol=0)
        torch.testing.assert_close(coloured[f"{role}_box"], plain[f"{role}_box"])
    # blur on the search image only; grey on both images of the pair
    blurred = SOTTrainMapper(colour_prob=(0, 0), blur_prob=(0, 1), **fixed)(sample)
    torch.testing.assert_close(blurred["template"], plain["template"])
    assert not torch.allclose(blurred["search"], plain["search"])
    grey = SOTTrainMapper(grey_prob=1, colour_prob=(0, 0), blur_prob=(0, 0), **fixed)(sample)
    for role in ("template", "search"):
        assert torch.all(grey[role] == grey[role][:1])
        assert not torch.all(plain[role] == plain[role][:1])


def _test_frame(tmp_path, frame_id, annotations):
    path = tmp_path / f"{frame_id}.png"
    cv2.imwrite(str(path), target_image())
    return {"file_name": str(path), "frame_id": frame_id, "video_id": 3, "annotations": annotations}


def test_sot_test_mapper_regions_and_first_frame_check(tmp_path):
    box = {"bbox": [40, 40, 60, 80], "bbox_mode": BoxMode.XYXY_ABS}
    quad = dict(box, quad=[40, 40, 60, 41, 59, 80, 39, 79])
    mapper = SOTTestMapper(image_format="RGB")
    out = mapper(_test_frame(tmp_path, 0, [box]))
    assert out["gt_region"].tolist() == [40, 40, 20, 40]  # x, y, w, h
    assert out["image"].shape == (3, 200, 200) and out["image"].dtype.is_floating_point is False
    assert "annotations" not in out and out["video_id"] == 3
    assert mapper(_test_frame(tmp_path, 1, [quad]))["gt_region"].tolist() == quad["quad"]
    assert mapper(_test_frame(tmp_path, 2, []))["gt_region"].tolist() == [0, 0, 0, 0]
    with pytest.raises(ValueError, match="frame 0 of video 3 has no target box"):
        mapper(_test_frame(tmp_path, 0, []))
