"""Tests of DFF (d2track.projects.dff) on a tiny Faster R-CNN at 64x64."""

import pytest
import torch
from detectron2.layers import ShapeSpec
from detectron2.modeling import Backbone
from detectron2.modeling.anchor_generator import DefaultAnchorGenerator
from detectron2.modeling.box_regression import Box2BoxTransform
from detectron2.modeling.matcher import Matcher
from detectron2.modeling.poolers import ROIPooler
from detectron2.modeling.proposal_generator import RPN, StandardRPNHead
from detectron2.modeling.roi_heads import (
    FastRCNNConvFCHead,
    FastRCNNOutputLayers,
    StandardROIHeads,
)
from detectron2.structures import Boxes, Instances
from detectron2.utils.events import EventStorage

from d2track.checkpoint import convert_mmtrack_state_dict, method_rules
from d2track.modeling.flow import MMTRACK_KEY_MAP, FlowNetSimple, flow_warp_feats
from d2track.projects.dff import DFF, KeyFrameMemory

SIZE = 64
MEAN, STD = [128.0] * 3, [64.0] * 3


class TinyBackbone(Backbone):
    """Two strided convs to one stride-16 map; counts the images it sees."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 8, 3, stride=4, padding=1)
        self.conv2 = torch.nn.Conv2d(8, 16, 3, stride=4, padding=1)
        self.images_seen = 0

    def forward(self, x):
        self.images_seen += len(x)
        return {"p5": self.conv2(torch.relu(self.conv1(x)))}

    def output_shape(self):
        return {"p5": ShapeSpec(channels=16, stride=16)}


def tiny_dff(key_frame_interval=10):
    torch.manual_seed(0)
    pooled = ShapeSpec(channels=16, height=7, width=7)
    return DFF(
        motion=FlowNetSimple(pixel_mean=MEAN, pixel_std=STD),
        key_frame_interval=key_frame_interval,
        backbone=TinyBackbone(),
        proposal_generator=RPN(
            in_features=["p5"],
            head=StandardRPNHead(in_channels=16, num_anchors=2),
            anchor_generator=DefaultAnchorGenerator(
                sizes=[[16, 32]], aspect_ratios=[[1.0]], strides=[16], offset=0.0
            ),
            anchor_matcher=Matcher([0.3, 0.7], [0, -1, 1]),
            box2box_transform=Box2BoxTransform((1.0, 1.0, 1.0, 1.0)),
            batch_size_per_image=32,
            positive_fraction=0.5,
            pre_nms_topk=(100, 50),
            post_nms_topk=(20, 10),
        ),
        roi_heads=StandardROIHeads(
            num_classes=2,
            batch_size_per_image=16,
            positive_fraction=0.25,
            proposal_matcher=Matcher([0.5], [0, 1]),
            box_in_features=["p5"],
            box_pooler=ROIPooler(7, (1 / 16,), 0, "ROIAlignV2"),
            box_head=FastRCNNConvFCHead(input_shape=pooled, conv_dims=[], fc_dims=[32]),
            box_predictor=FastRCNNOutputLayers(
                input_shape=ShapeSpec(channels=32),
                box2box_transform=Box2BoxTransform((10.0, 10.0, 5.0, 5.0)),
                num_classes=2,
                test_score_thresh=0.0,
            ),
        ),
        pixel_mean=MEAN,
        pixel_std=STD,
    )


def _frame(seed, **extra):
    g = torch.Generator().manual_seed(seed)
    return dict(image=torch.randint(0, 255, (3, SIZE, SIZE), generator=g).to(torch.uint8), **extra)


def _train_sample(seed, num_refs=1):
    inst = Instances((SIZE, SIZE))
    inst.gt_boxes = Boxes(torch.tensor([[8.0, 8.0, 40.0, 40.0]]))
    inst.gt_classes = torch.tensor([1])
    refs = [_frame(seed * 10 + r) for r in range(num_refs)]
    return _frame(seed, instances=inst, ref_frames=refs, video_id=0, frame_id=seed)


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
        flow = model.motion(torch.cat([images.tensor, refs.tensor], 1), [(SIZE, SIZE)])
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


def _test_frame(video, t, **extra):
    return _frame(100 * video + t, video_id=video, frame_id=t, height=SIZE, width=SIZE, **extra)


def test_inference_key_frame_schedule_and_reset():
    model = tiny_dff(key_frame_interval=5).eval()
    with torch.no_grad():
        for t in range(12):
            refs = [_frame(7)] if t == 0 else []  # delivered references are ignored
            out = model([_test_frame(0, t, ref_frames=refs)])
            assert model.backbone.images_seen == 1 + t // 5  # frames 0, 5 and 10
        inst = out[0]["instances"]
        assert inst.has("pred_boxes") and inst.has("scores") and inst.has("pred_classes")
        key = model.encode_frame(_test_frame(0, 10))
        frame = model.encode_frame(_test_frame(0, 11))
        _, features, _, _ = model.frame_inputs(frame, [key])
        pair = torch.cat([frame["images"].tensor, key["images"].tensor], 1)
        expected = flow_warp_feats(key["features"]["p5"], model.motion(pair, [(SIZE, SIZE)]))
        torch.testing.assert_close(features["p5"], expected, rtol=0, atol=0)
        seen = model.backbone.images_seen
        model([_test_frame(1, 0)])  # a new video starts with a key frame
        model([_test_frame(1, 1)])
        assert model.backbone.images_seen == seen + 1
        with pytest.raises(ValueError, match="frame 3 after frame 1"):
            model([_test_frame(1, 3)])
        with pytest.raises(ValueError, match="starts at frame 2, which is not a key frame"):
            model([_test_frame(2, 2)])
        with pytest.raises(ValueError, match="tests one frame at a time"):
            model([_test_frame(3, 0), _test_frame(3, 1)])


def test_key_frame_memory_rejects_bad_interval():
    with pytest.raises(ValueError, match="key_frame_interval must be >= 1, got 0"):
        KeyFrameMemory(key_frame_interval=0)


def test_mmtracking_motion_keys_map_onto_the_flow_net():
    model = tiny_dff()
    mm = {f"motion.{k}": None for k in MMTRACK_KEY_MAP}
    result = convert_mmtrack_state_dict(mm, extra_rules=method_rules("dff"))
    assert result.unmapped == [] and result.dropped == []
    assert set(result.state_dict) == {k for k in model.state_dict() if k.startswith("motion.")}
