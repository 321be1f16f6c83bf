"""Tests of FGFA (d2track.projects.fgfa) on a tiny Faster R-CNN at 64x64."""

import pytest
import torch
from detectron2.utils.events import EventStorage

from d2track.checkpoint import convert_mmtrack_state_dict, method_rules
from d2track.data.sampling import RefSampler
from d2track.modeling.flow import MMTRACK_KEY_MAP, FlowNetSimple, flow_warp_feats
from d2track.modeling.memory import ReferenceMemory
from d2track.projects.fgfa import FGFA, EmbedAggregator, mmtrack_key_to_d2track
from d2track.utils.testing import (
    TINY_MEAN,
    TINY_SIZE,
    TINY_STD,
    random_frame,
    tiny_rcnn_parts,
    train_sample,
)


def tiny_fgfa(num_convs=1, norm="", frame_range=10, stride=1):
    torch.manual_seed(0)
    sampler = RefSampler(method="test_with_fix_stride", frame_range=frame_range, stride=stride)
    return FGFA(
        motion=FlowNetSimple(pixel_mean=TINY_MEAN, pixel_std=TINY_STD),
        aggregator=EmbedAggregator(num_convs=num_convs, channels=16, norm=norm),
        memory=ReferenceMemory(sampler=sampler),
        **tiny_rcnn_parts(),
    )


def _train_sample(seed, num_refs=2):
    return train_sample(seed, num_refs)


def _losses(model, batch):
    torch.manual_seed(1)
    with EventStorage():
        return model(batch)


def test_training_losses_one_backbone_pass():
    model = tiny_fgfa()
    losses = _losses(model, [_train_sample(1), _train_sample(2)])
    assert set(losses) == {"loss_cls", "loss_box_reg", "loss_rpn_cls", "loss_rpn_loc"}
    assert all(torch.isfinite(v) for v in losses.values())
    assert model.backbone.images_seen == 6  # 2 keys + 4 references, in one pass
    sum(losses.values()).backward()
    assert model.backbone.conv1.weight.grad.abs().sum() > 0
    assert model.aggregator.embed_convs[0].weight.grad.abs().sum() > 0
    assert model.motion.predict_flow.weight.grad.abs().sum() > 0


def _clip_features(model, batch):
    with torch.no_grad():
        return model.clip_features(*model.preprocess_clip(batch))


def test_training_aggregates_each_sample_over_its_own_warped_references():
    model = tiny_fgfa()
    batch = [_train_sample(1), _train_sample(2)]
    features, ref_features = _clip_features(model, batch)
    assert ref_features is None and features["p5"].shape == (2, 16, 4, 4)
    # sample 0: its key features (the embedding only) and its 2 references warped by (key, ref)
    images, refs, _ = model.preprocess_clip(batch)
    with torch.no_grad():
        key0 = model.backbone(images.tensor[:1])["p5"]
        pairs = torch.cat([images.tensor[[0, 0]], refs.tensor[:2]], 1)
        warped = flow_warp_feats(model.backbone(refs.tensor[:2])["p5"], model.motion(pairs))
        expected = model.aggregator(key0, warped)
    torch.testing.assert_close(features["p5"][:1], expected, rtol=1e-5, atol=1e-6)
    # changing sample 1's references leaves sample 0 exactly unchanged
    batch[1]["ref_frames"] = [random_frame(77), random_frame(78)]
    changed, _ = _clip_features(model, batch)
    assert torch.equal(changed["p5"][0], features["p5"][0])
    assert not torch.allclose(changed["p5"][1], features["p5"][1])


def test_training_needs_references():
    with pytest.raises(ValueError, match=r"reference frames for every key frame, got \[2, 0\]"):
        _losses(tiny_fgfa(), [_train_sample(1), _train_sample(2, num_refs=0)])


def _entry(model, seed):
    return model.encode_frame(random_frame(seed))


def test_frame_inputs_warp_memory_frames_to_the_key_and_keep_the_key_unwarped():
    model = tiny_fgfa().eval()
    with torch.no_grad():
        key, left, right = (_entry(model, s) for s in (1, 2, 3))
        images, features, ref_features, ref_proposals = model.frame_inputs(key, [left, key, right])
        assert images is key["images"] and ref_features is None and ref_proposals is None
        others = torch.cat([left["images"].tensor, right["images"].tensor])
        flows = model.motion(torch.cat([key["images"].tensor.expand(2, -1, -1, -1), others], 1))
        warped = flow_warp_feats(
            torch.cat([left["features"]["p5"], right["features"]["p5"]]), flows
        )
        kf = key["features"]["p5"]
        expected = model.aggregator(kf, torch.cat([warped[:1], kf, warped[1:]]))
        torch.testing.assert_close(features["p5"], expected, rtol=1e-5, atol=1e-6)
        _, alone, _, _ = model.frame_inputs(key, [key])  # one reference: the key itself
        torch.testing.assert_close(alone["p5"], kf, rtol=0, atol=1e-6)


def _testrandom_frame(video, t, refs=()):
    return random_frame(
        100 * video + t,
        video_id=video,
        frame_id=t,
        height=TINY_SIZE,
        width=TINY_SIZE,
        ref_frames=[random_frame(100 * video + r, frame_id=r) for r in refs],
    )


def test_inference_fix_stride_encodes_each_frame_once_and_flows_perrandom_frame():
    model = tiny_fgfa(frame_range=2, stride=1).eval()
    pairs = []
    model.motion.register_forward_hook(lambda m, args, out: pairs.append(len(args[0])))
    with torch.no_grad():
        out = model([_testrandom_frame(0, 0, refs=[0, 0, 0, 1, 2])])
        for t in range(1, 6):
            out = model([_testrandom_frame(0, t, refs=[min(t + 2, 5)])])
        assert model.backbone.images_seen == 5 + 5  # the first window, then one new frame each
        assert pairs == [4] * 6  # each frame: flows of the 4 other window frames against it
        inst = out[0]["instances"]
        assert inst.has("pred_boxes") and inst.has("scores") and inst.has("pred_classes")
        model([_testrandom_frame(1, 0, refs=[0, 0, 0, 1, 2])])  # a new video: a new window
        assert model.backbone.images_seen == 15
        with pytest.raises(ValueError, match="tests one frame at a time"):
            model([_testrandom_frame(2, 0, refs=[0] * 5), _testrandom_frame(2, 1)])


def test_inference_fix_stride_with_stride_two_encodes_the_skipped_keys():
    model = tiny_fgfa(frame_range=1, stride=2).eval()
    with torch.no_grad():
        model([_testrandom_frame(0, 0, refs=[0, 0, 2])])
        model([_testrandom_frame(0, 1)])  # key encoded in the centre's place
        model(
            [_testrandom_frame(0, 2, refs=[4])]
        )  # new window frame; its centre is already encoded
    assert model.backbone.images_seen == 3 + 1 + 1


def test_mmtracking_motion_and_aggregator_keys_map_onto_the_model():
    model = tiny_fgfa(num_convs=2, norm="BN")
    mm = {f"motion.{k}": None for k in MMTRACK_KEY_MAP}
    conv = "aggregator.embed_convs"
    mm.update({f"{conv}.0.conv.weight": None, f"{conv}.1.conv.weight": None})
    mm[f"{conv}.1.conv.bias"] = None
    for p in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"):
        mm[f"{conv}.0.bn.{p}"] = None
    result = convert_mmtrack_state_dict(mm, extra_rules=method_rules("fgfa"))
    assert result.unmapped == [] and result.dropped == [f"{conv}.0.bn.num_batches_tracked"]
    ours = {
        k
        for k in model.state_dict()
        if k.startswith(("motion.", "aggregator.")) and not k.endswith("num_batches_tracked")
    }
    assert set(result.state_dict) == ours
    aggregator_keys = {k: v for k, v in mm.items() if k.startswith("aggregator.")}
    for key in aggregator_keys:
        if not key.endswith("num_batches_tracked"):
            assert mmtrack_key_to_d2track(key) in result.state_dict
