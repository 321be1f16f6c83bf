import pytest
import torch
from detectron2.layers import ShapeSpec
from detectron2.utils.events import EventStorage

from d2track.data.sampling import RefSampler
from d2track.modeling.memory import ReferenceMemory
from d2track.modeling.meta_arch import VideoRCNN
from d2track.modeling.roi_heads import SelsaBoxHead, VideoROIHeads
from d2track.utils.testing import TINY_SIZE, random_frame, tiny_rcnn_parts, train_sample

# the test samplers of the memory modes (the tests deliver their own reference frames)
SAMPLERS = {"adaptive_stride": RefSampler(method="test_with_adaptive_stride"), "online": None}


def tiny_model(*, video_heads, mode="adaptive_stride", **memory):
    torch.manual_seed(0)
    pooled = ShapeSpec(channels=16, height=7, width=7)
    parts = (
        tiny_rcnn_parts(
            box_head=SelsaBoxHead(input_shape=pooled, fc_dim=32, num_attention_blocks=4),
            roi_heads_class=VideoROIHeads,
        )
        if video_heads
        else tiny_rcnn_parts()
    )
    return VideoRCNN(memory=ReferenceMemory(sampler=SAMPLERS[mode], **memory), **parts)


@pytest.mark.parametrize("video_heads", [True, False])
def test_training_one_backbone_pass_and_losses(video_heads):
    model = tiny_model(video_heads=video_heads)
    with EventStorage():
        losses = model([train_sample(1, 2), train_sample(2, 2)])
    assert set(losses) == {"loss_cls", "loss_box_reg", "loss_rpn_cls", "loss_rpn_loc"}
    assert all(torch.isfinite(v) for v in losses.values())
    assert model.backbone.images_seen == 6  # 2 keys + 4 references, in one pass
    sum(losses.values()).backward()


def test_reference_features_reach_the_key_losses_only_through_video_heads():
    torch.manual_seed(0)
    batch = [train_sample(1, 2)]
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
    return random_frame(
        100 * video + t,
        video_id=video,
        frame_id=t,
        height=TINY_SIZE,
        width=TINY_SIZE,
        ref_frames=[random_frame(100 * video + r, frame_id=r) for r in refs],
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
