"""Tests of Temporal RoI Align (d2track.projects.troi) on tiny inputs."""

import torch
import torch.nn.functional as F
from detectron2.layers import ShapeSpec
from detectron2.modeling.box_regression import Box2BoxTransform
from detectron2.modeling.matcher import Matcher
from detectron2.modeling.poolers import ROIPooler
from detectron2.modeling.roi_heads import FastRCNNOutputLayers
from detectron2.structures import Boxes, ImageList, Instances
from detectron2.utils.events import EventStorage

from d2track.modeling.roi_heads import SelsaBoxHead
from d2track.projects.troi import TemporalRoIAlign, TemporalRoIAlignROIHeads

FEATURE = "res5"
C, STRIDE, SIZE = 8, 16, 64


def _planted_maps(roi, places, seed):
    """(R, C, 4, 5) random maps with roi cell j copied at places[r][j] (flat index)."""
    g = torch.Generator().manual_seed(seed)
    maps = torch.randn(len(places), C, 4, 5, generator=g)
    cells = roi.flatten(2)[0].T  # (h*w, C)
    for r, spots in enumerate(places):
        for j, spot in enumerate(spots):
            maps[r].view(C, -1)[:, spot] = cells[j]
    return maps


def test_most_similar_locations_pick_planted_copies():
    troi = TemporalRoIAlign(in_channels=C)
    roi = torch.randn(1, C, 1, 2, generator=torch.Generator().manual_seed(1))
    places = [[7, 13], [19, 0]]
    maps = _planted_maps(roi, places, seed=2)
    runner_up = roi[0, :, 0, 0] + 0.05  # a near copy of cell 0 in frame 0
    maps[0].view(C, -1)[:, 3] = runner_up
    weights, indices = troi.most_similar_locations(roi, maps)
    assert weights.shape == indices.shape == (1, 1, 2, 2, 2)
    assert indices[0, 0, :, :, 0].tolist() == [[7, 19], [13, 0]]
    assert indices[0, 0, 0, 0, 1].item() == 3
    cos = F.cosine_similarity(roi[0, :, 0, 0], runner_up, dim=0)
    w = torch.tensor([1.0, cos.item()]).softmax(0)
    torch.testing.assert_close(weights[0, 0, 0, 0], w, atol=1e-6, rtol=0)
    aligned = troi.most_similar_roi_align(roi, maps)
    assert aligned.shape == (2, 1, C, 1, 2)
    expected = w[0] * roi[0, :, 0, 0] + w[1] * runner_up
    torch.testing.assert_close(aligned[0, 0, :, 0, 0], expected, atol=1e-6, rtol=0)


def test_temporal_attention_shape_and_uniform_case():
    torch.manual_seed(3)
    troi = TemporalRoIAlign(in_channels=C, num_temporal_attention_blocks=4)
    x, ref_x = torch.randn(5, C, 7, 7), torch.randn(3, 5, C, 7, 7)
    assert troi.temporal_attention(x, ref_x).shape == (5, C, 7, 7)
    with torch.no_grad():
        troi.embed.weight.zero_()  # equal logits: uniform weights over the 1 + 3 frames
    mean = torch.cat([x[None], ref_x]).mean(0)
    torch.testing.assert_close(troi.temporal_attention(x, ref_x), mean, atol=1e-6, rtol=0)
    averaging = TemporalRoIAlign(in_channels=C, num_temporal_attention_blocks=0)
    assert averaging.embed is None
    torch.testing.assert_close(averaging.temporal_attention(x, ref_x), mean, atol=1e-6, rtol=0)


def test_forward_groups_references_per_image():
    torch.manual_seed(4)
    troi = TemporalRoIAlign(in_channels=C)
    rois, maps = torch.randn(5, C, 7, 7), torch.randn(3, C, 4, 4)
    out = troi(rois, maps, [2, 3], [1, 2])
    maps2 = maps.clone()
    maps2[1:] = torch.randn(2, C, 4, 4)
    out2 = troi(rois, maps2, [2, 3], [1, 2])
    assert out.shape == (5, C, 7, 7)
    assert torch.equal(out[:2], out2[:2]) and not torch.allclose(out[2:], out2[2:])


def _heads():
    torch.manual_seed(0)
    box_head = SelsaBoxHead(
        input_shape=ShapeSpec(channels=C, height=7, width=7), num_shared_fcs=3, fc_dim=32
    )
    return TemporalRoIAlignROIHeads(
        temporal_roi_align=TemporalRoIAlign(in_channels=C),
        num_classes=3,
        batch_size_per_image=16,
        positive_fraction=0.25,
        proposal_matcher=Matcher([0.5], [0, 1], allow_low_quality_matches=False),
        box_in_features=[FEATURE],
        box_pooler=ROIPooler(7, (1.0 / STRIDE,), 2, "ROIAlignV2"),
        box_head=box_head,
        box_predictor=FastRCNNOutputLayers(
            input_shape=box_head.output_shape,
            box2box_transform=Box2BoxTransform(weights=(10.0, 10.0, 5.0, 5.0)),
            num_classes=3,
            test_score_thresh=0.0,
        ),
    )


def _proposals(n_images, n_boxes, seed):
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n_images):
        xy = torch.rand(n_boxes, 2, generator=g) * 40
        inst = Instances((SIZE, SIZE))
        wh = 8 + torch.rand(n_boxes, 2, generator=g) * 16
        inst.proposal_boxes = Boxes(torch.cat([xy, xy + wh], 1))
        inst.objectness_logits = torch.randn(n_boxes, generator=g)
        out.append(inst)
    return out


def test_troi_heads_train_and_inference():
    heads = _heads()
    images = ImageList(torch.zeros(2, 3, SIZE, SIZE), [(SIZE, SIZE)] * 2)
    features = {FEATURE: torch.randn(2, C, 4, 4)}
    refs = {
        "ref_features": {FEATURE: torch.randn(4, C, 4, 4)},
        "ref_proposals": _proposals(4, 5, seed=1),
        "num_refs": [2, 2],
    }
    targets = []
    for _ in range(2):
        t = Instances((SIZE, SIZE))
        t.gt_boxes = Boxes(torch.tensor([[4.0, 4.0, 30.0, 28.0]]))
        t.gt_classes = torch.tensor([1])
        targets.append(t)
    with EventStorage():
        _, losses = heads.train()(images, features, _proposals(2, 10, seed=2), targets, **refs)
    assert set(losses) == {"loss_cls", "loss_box_reg"}
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    assert heads.temporal_roi_align.embed.weight.grad is not None
    with torch.no_grad():
        results, _ = heads.eval()(images, features, _proposals(2, 10, seed=3), **refs)
        alone, _ = heads(images, features, _proposals(2, 10, seed=3))
    for inst in results + alone:
        assert inst.has("pred_boxes") and inst.has("scores") and inst.has("pred_classes")
        assert len(inst) > 0


def test_most_similar_roi_align_matches_per_cell_loop():
    torch.manual_seed(5)
    troi = TemporalRoIAlign(in_channels=C, num_most_similar_points=3)
    rois, maps = torch.randn(2, C, 2, 3), torch.randn(2, C, 3, 4)
    out = troi.most_similar_roi_align(rois, maps)
    flat = maps.flatten(2)  # (R, C, H*W)
    for n in range(2):
        for y in range(2):
            for x in range(3):
                cell = rois[n, :, y, x]
                for r in range(2):
                    sim = F.cosine_similarity(cell[:, None], flat[r], dim=0)
                    top = sim.topk(3)
                    expected = flat[r][:, top.indices] @ top.values.softmax(0)
                    torch.testing.assert_close(out[r, n, :, y, x], expected, atol=1e-5, rtol=0)


def test_mmtracking_checkpoint_keys_map_onto_the_heads():
    from d2track.checkpoint import convert_mmtrack_state_dict, method_rules

    heads = _heads()
    roi = "detector.roi_head."
    mm = {f"{roi}bbox_roi_extractor.embed_network.conv.{p}": None for p in ("weight", "bias")}
    for k in range(3):
        mm.update({f"{roi}bbox_head.shared_fcs.{k}.{p}": None for p in ("weight", "bias")})
        for fc in ("fc_embed", "ref_fc_embed", "ref_fc", "fc"):
            mm.update({f"{roi}bbox_head.aggregator.{k}.{fc}.{p}": None for p in ("weight", "bias")})
    for name in ("fc_cls", "fc_reg"):
        mm.update({f"{roi}bbox_head.{name}.{p}": None for p in ("weight", "bias")})
    result = convert_mmtrack_state_dict(mm, extra_rules=method_rules("troi"))
    assert result.unmapped == [] and result.dropped == []
    assert set(result.state_dict) == {f"roi_heads.{k}" for k in heads.state_dict()}
