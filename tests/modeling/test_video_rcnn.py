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

from d2track.modeling.memory import ReferenceMemory
from d2track.modeling.meta_arch import VideoRCNN
from d2track.modeling.roi_heads import SelsaBoxHead, VideoROIHeads

SIZE = 64


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


def tiny_model(*, video_heads, mode="adaptive_stride", **memory):
    torch.manual_seed(0)
    pooled = ShapeSpec(channels=16, height=7, width=7)
    heads = VideoROIHeads if video_heads else StandardROIHeads
    head = (
        SelsaBoxHead(input_shape=pooled, fc_dim=32, num_attention_blocks=4)
        if video_heads
        else FastRCNNConvFCHead(input_shape=pooled, conv_dims=[], fc_dims=[32])
    )
    return VideoRCNN(
        memory=ReferenceMemory(mode=mode, **memory),
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
        roi_heads=heads(
            num_classes=2,
            batch_size_per_image=16,
            positive_fraction=0.25,
            proposal_matcher=Matcher([0.5], [0, 1]),
            box_in_features=["p5"],
            box_pooler=ROIPooler(7, (1 / 16,), 0, "ROIAlignV2"),
            box_head=head,
            box_predictor=FastRCNNOutputLayers(
                input_shape=ShapeSpec(channels=32),
                box2box_transform=Box2BoxTransform((10.0, 10.0, 5.0, 5.0)),
                num_classes=2,
                test_score_thresh=0.0,
            ),
        ),
        pixel_mean=[128.0, 128.0, 128.0],
        pixel_std=[64.0, 64.0, 64.0],
    )


def _frame(seed, **extra):
    g = torch.Generator().manual_seed(seed)
    return dict(image=torch.randint(0, 255, (3, SIZE, SIZE), generator=g).to(torch.uint8), **extra)


def _train_sample(seed, num_refs):
    inst = Instances((SIZE, SIZE))
    inst.gt_boxes = Boxes(torch.tensor([[8.0, 8.0, 40.0, 40.0]]))
    inst.gt_classes = torch.tensor([1])
    refs = [_frame(seed * 10 + r) for r in range(num_refs)]
    return _frame(seed, instances=inst, ref_frames=refs, video_id=0, frame_id=seed)


@pytest.mark.parametrize("video_heads", [True, False])
def test_training_one_backbone_pass_and_losses(video_heads):
    model = tiny_model(video_heads=video_heads)
    with EventStorage():
        losses = model([_train_sample(1, 2), _train_sample(2, 2)])
    assert set(losses) == {"loss_cls", "loss_box_reg", "loss_rpn_cls", "loss_rpn_loc"}
    assert all(torch.isfinite(v) for v in losses.values())
    assert model.backbone.images_seen == 6  # 2 keys + 4 references, in one pass
    sum(losses.values()).backward()


def test_reference_features_reach_the_key_losses_only_through_video_heads():
    torch.manual_seed(0)
    batch = [_train_sample(1, 2)]
    for video_heads, changes in ((True, True), (False, False)):
        model = tiny_model(video_heads=video_heads)
        with EventStorage():
            torch.manual_seed(1)
            before = model(batch)["loss_cls"]
            batch[0]["ref_frames"][0]["image"] = 255 - batch[0]["ref_frames"][0]["image"]
            torch.manual_seed(1)
            after = model(batch)["loss_cls"]
        batch[0]["ref_frames"][0]["image"] = 255 - batch[0]["ref_frames"][0]["image"]
        assert bool(before != after) == changes


def _test_frame(video, t, refs=()):
    return _frame(
        100 * video + t,
        video_id=video,
        frame_id=t,
        height=SIZE,
        width=SIZE,
        ref_frames=[_frame(100 * video + r, frame_id=r) for r in refs],
    )


def test_inference_encodes_each_frame_once_and_resets_per_video():
    model = tiny_model(video_heads=True, mode="adaptive_stride").eval()
    with torch.no_grad():
        out = model([_test_frame(0, 0, refs=[0, 2, 4])])
        for t in range(1, 5):
            out = model([_test_frame(0, t)])
        assert model.backbone.images_seen == 3 + 5  # 3 references once, then each key frame
        inst = out[0]["instances"]
        assert inst.has("pred_boxes") and inst.has("scores") and inst.has("pred_classes")
        model([_test_frame(1, 0, refs=[1])])
        assert model.backbone.images_seen == 8 + 2
    with pytest.raises(ValueError, match="tests one frame at a time"):
        model([_test_frame(2, 0, refs=[0]), _test_frame(2, 1)])


def test_online_mode_does_not_depend_on_delivered_future_frames():
    outputs = []
    for future in ([], [7, 8]):
        model = tiny_model(video_heads=True, mode="online", num_online_refs=2).eval()
        with torch.no_grad():
            for t in range(3):
                out = model([_test_frame(0, t, refs=[t + f for f in future])])
        outputs.append(out[0]["instances"])
    assert torch.equal(outputs[0].scores, outputs[1].scores)
    assert torch.equal(outputs[0].pred_boxes.tensor, outputs[1].pred_boxes.tensor)


def test_test_frame_with_memory_references_differs_from_still_image():
    # the key frame alone vs the key frame with two other frames as references
    model = tiny_model(video_heads=True, mode="adaptive_stride").eval()
    with torch.no_grad():
        alone = model([_test_frame(0, 0, refs=[0])])[0]["instances"]
        model.memory.reset()
        with_refs = model([_test_frame(0, 0, refs=[3, 5])])[0]["instances"]
    assert not torch.equal(alone.scores, with_refs.scores)
