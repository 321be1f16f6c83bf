"""Tests of DFF (d2track.projects.dff) on a tiny Faster R-CNN at 64x64."""

import pytest
import torch
from detectron2.utils.events import EventStorage

from d2track.checkpoint import convert_mmtrack_state_dict, method_rules
from d2track.modeling.flow import MMTRACK_KEY_MAP, FlowNetSimple, flow_warp_feats
from d2track.projects.dff import DFF, KeyFrameMemory
from d2track.utils.testing import (
    TINY_MEAN,
    TINY_SIZE,
    TINY_STD,
    random_frame,
    tiny_rcnn_parts,
    train_sample,
)


def tiny_dff(key_frame_interval=10):
    torch.manual_seed(0)
    return DFF(
        motion=FlowNetSimple(pixel_mean=TINY_MEAN, pixel_std=TINY_STD),
        key_frame_interval=key_frame_interval,
        **tiny_rcnn_parts(),
    )


def _train_sample(seed, num_refs=1):
    return train_sample(seed, num_refs)


def _losses(model, batch):
    torch.manual_seed(1)
    with EventStorage():
        return model(batch)


def test_training_losses_backbone_sees_references_only():
    model = tiny_dff()
    losses = _losses(model, [_train_sample(1), _train_sample(2)])
    assert set(losses) == {"loss_cls", "loss_box_reg", "loss_rpn_cls", "loss_rpn_loc"}
    assert all(torch.isfinite(v) for v in losses.values())
    assert model.backbone.images_seen == 2  # the two references, not the keys
    sum(losses.values()).backward()
    assert model.backbone.conv1.weight.grad.abs().sum() > 0
    assert model.motion.predict_flow.weight.grad.abs().sum() > 0


def test_key_image_reaches_losses_only_through_the_flow():
    model = tiny_dff()
    batch = [_train_sample(1)]
    before = _losses(model, batch)
    batch[0]["image"] = 255 - batch[0]["image"]
    after = _losses(model, batch)
    assert after["loss_rpn_cls"] != before["loss_rpn_cls"]
    assert model.backbone.images_seen == 2
    # the key features are the reference features warped by the flow of (key, reference)
    images, refs, num_refs = model.preprocess_clip(batch)
    with torch.no_grad():
        features, ref_features = model.clip_features(images, refs, num_refs)
        flow = model.motion(torch.cat([images.tensor, refs.tensor], 1), [(TINY_SIZE, TINY_SIZE)])
        expected = flow_warp_feats(model.backbone(refs.tensor)["p5"], flow)
    assert ref_features is None
    torch.testing.assert_close(features["p5"], expected, rtol=0, atol=0)


def test_reference_equal_to_its_key_is_not_warped():
    model = tiny_dff()
    batch = [_train_sample(1), _train_sample(2)]
    batch[0]["ref_frames"][0]["image"] = batch[0]["image"].clone()  # a still image (DET)
    images, refs, num_refs = model.preprocess_clip(batch)
    with torch.no_grad():
        features, _ = model.clip_features(images, refs, num_refs)
        ref_features = model.backbone(refs.tensor)["p5"]
    assert torch.equal(features["p5"][0], ref_features[0])
    assert not torch.allclose(features["p5"][1], ref_features[1])


@pytest.mark.parametrize("num_refs", [0, 2])
def test_training_needs_exactly_one_reference(num_refs):
    with pytest.raises(ValueError, match=r"exactly one reference frame per key frame, got \["):
        _losses(tiny_dff(), [_train_sample(1, num_refs=num_refs)])


def _testrandom_frame(video, t, **extra):
    return random_frame(
        100 * video + t, video_id=video, frame_id=t, height=TINY_SIZE, width=TINY_SIZE, **extra
    )


def test_inference_key_frame_schedule_and_reset():
    model = tiny_dff(key_frame_interval=5).eval()
    with torch.no_grad():
        for t in range(12):
            refs = [random_frame(7)] if t == 0 else []  # delivered references are ignored
            out = model([_testrandom_frame(0, t, ref_frames=refs)])
            assert model.backbone.images_seen == 1 + t // 5  # frames 0, 5 and 10
        inst = out[0]["instances"]
        assert inst.has("pred_boxes") and inst.has("scores") and inst.has("pred_classes")
        key = model.encode_frame(_testrandom_frame(0, 10))
        frame = model.encode_frame(_testrandom_frame(0, 11))
        _, features, _, _ = model.frame_inputs(frame, [key])
        pair = torch.cat([frame["images"].tensor, key["images"].tensor], 1)
        expected = flow_warp_feats(
            key["features"]["p5"], model.motion(pair, [(TINY_SIZE, TINY_SIZE)])
        )
        torch.testing.assert_close(features["p5"], expected, rtol=0, atol=0)
        seen = model.backbone.images_seen
        model([_testrandom_frame(1, 0)])  # a new video starts with a key frame
        model([_testrandom_frame(1, 1)])
        assert model.backbone.images_seen == seen + 1
        with pytest.raises(ValueError, match="frame 3 after frame 1"):
            model([_testrandom_frame(1, 3)])
        with pytest.raises(ValueError, match="starts at frame 2, which is not a key frame"):
            model([_testrandom_frame(2, 2)])
        with pytest.raises(ValueError, match="tests one frame at a time"):
            model([_testrandom_frame(3, 0), _testrandom_frame(3, 1)])


def test_key_frame_memory_rejects_bad_interval():
    with pytest.raises(ValueError, match="key_frame_interval must be >= 1, got 0"):
        KeyFrameMemory(key_frame_interval=0)


def test_mmtracking_motion_keys_map_onto_the_flow_net():
    model = tiny_dff()
    mm = {f"motion.{k}": None for k in MMTRACK_KEY_MAP}
    result = convert_mmtrack_state_dict(mm, extra_rules=method_rules("dff"))
    assert result.unmapped == [] and result.dropped == []
    assert set(result.state_dict) == {k for k in model.state_dict() if k.startswith("motion.")}
