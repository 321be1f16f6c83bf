"""QDTrack: the track head's targets and losses, training and tracking on synthetic MOT frames."""

from pathlib import Path

import pytest
import torch
from detectron2.config import LazyCall as L
from detectron2.config import LazyConfig, instantiate
from detectron2.modeling.matcher import Matcher
from detectron2.modeling.poolers import ROIPooler
from detectron2.structures import Boxes, Instances
from detectron2.utils.events import EventStorage

from d2track.checkpoint import MissingWeightsError
from d2track.projects.qdtrack import L2Loss, MultiPosCrossEntropyLoss, QuasiDenseEmbedHead
from d2track.tracking import EmbeddingTracker

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / "projects/QDTrack/configs"
TINY = next(CONFIGS.glob("qdtrack_faster_rcnn_tiny_*it_synthetic_mot.py"))


def tiny_cfg():
    cfg = LazyConfig.load(str(TINY))
    cfg.dataloader.train.num_workers = 0
    cfg.dataloader.test.num_workers = 0
    return cfg


def head():
    torch.manual_seed(0)
    return QuasiDenseEmbedHead(
        pooler=ROIPooler(output_size=2, scales=(1.0,), sampling_ratio=0, pooler_type="ROIAlignV2"),
        in_features=["p"],
        in_channels=3,
        proposal_matcher=Matcher([0.5, 0.7], [0, -1, 1], allow_low_quality_matches=False),
        loss_track=MultiPosCrossEntropyLoss(loss_weight=0.25),
        loss_track_aux=L2Loss(),
        num_convs=1,
        conv_dim=32,
        fc_dim=8,
        embed_dim=4,
    )


def instances(**fields):
    out = Instances((32, 32))
    for name, value in fields.items():
        out.set(name, Boxes(torch.as_tensor(value)) if name.endswith("boxes") else value)
    return out


def test_head_embeds_boxes_with_mmtracking_layers():
    track_head = head()
    embeds = track_head({"p": torch.rand(2, 3, 16, 16)}, [Boxes(torch.rand(3, 4) * 8)] * 2)
    assert embeds.shape == (6, 4) and track_head.embed_dim == 4
    conv = track_head.convs[0]
    assert conv.bias is None and isinstance(conv.norm, torch.nn.GroupNorm)
    assert track_head.fc_embed.bias.eq(0).all() and len(track_head.fcs) == 1


def test_track_losses_compare_key_positives_with_all_sampled_reference_rois():
    track_head = head()
    features, ref_features = {"p": torch.rand(1, 3, 32, 32)}, {"p": torch.rand(1, 3, 32, 32)}
    a, b = [0.0, 0.0, 10.0, 10.0], [16.0, 16.0, 30.0, 30.0]
    # key object a is reference gt 1, b is not in the reference frame
    gt = instances(gt_boxes=[a, b], gt_match_indices=torch.tensor([[1], [-1]]))
    # IoU 0.9 with a: positive; 0: negative; 0.57 with b: ignored
    key_props = [[0.0, 0.0, 10.0, 9.0], [0.0, 20.0, 5.0, 25.0], [16.0, 16.0, 30.0, 24.0]]
    ref_gt = instances(gt_boxes=[[20.0, 0.0, 30.0, 9.0], [1.0, 1.0, 11.0, 11.0]])
    ref_props = [[1.0, 1.0, 11.0, 10.0], [25.0, 20.0, 31.0, 31.0]]  # positive of gt 1; negative
    losses = track_head.losses(
        features,
        [instances(proposal_boxes=key_props)],
        [gt],
        ref_features,
        [instances(proposal_boxes=ref_props)],
        [ref_gt],
    )
    key_boxes = Boxes(torch.tensor([a, b, key_props[0]]))  # the gt first, then the proposals
    ref_boxes = Boxes(torch.tensor([*ref_gt.gt_boxes.tensor.tolist(), *ref_props]))
    key, ref = track_head(features, [key_boxes]), track_head(ref_features, [ref_boxes])
    # a and its proposal match reference gt 1 and its proposal (2 positives); b matches nothing
    target = torch.tensor([[0, 1, 1, 0], [0, 0, 0, 0], [0, 1, 1, 0]], dtype=torch.int32)
    weight = torch.tensor([1.0, 0.0, 1.0])
    expected = MultiPosCrossEntropyLoss(loss_weight=0.25)(key @ ref.T, target, weight, 2.0)
    torch.testing.assert_close(losses["loss_track"], expected)
    cosine = torch.nn.functional.normalize(key) @ torch.nn.functional.normalize(ref).T
    torch.testing.assert_close(losses["loss_track_aux"], L2Loss()(cosine, target))
    sum(losses.values()).backward()
    assert track_head.fc_embed.weight.grad.abs().sum() > 0


def test_track_losses_without_objects_are_zero_and_in_the_graph():
    track_head = head()
    empty = instances(gt_boxes=torch.zeros(0, 4), gt_match_indices=torch.zeros(0, 1).long())
    props = instances(proposal_boxes=[[0.0, 0.0, 10.0, 9.0]])
    features = {"p": torch.rand(1, 3, 32, 32)}
    losses = track_head.losses(features, [props], [empty], features, [props], [empty])
    assert all(v.item() == 0.0 and v.requires_grad for v in losses.values())
    with pytest.raises(KeyError, match="gt_match_indices"):
        gt = instances(gt_boxes=[[0.0, 0.0, 10.0, 9.0]])
        track_head.losses(features, [props], [gt], features, [props], [gt])


def test_training_step_gives_every_loss_and_trains_the_track_head():
    cfg = tiny_cfg()
    torch.manual_seed(0)
    model = instantiate(cfg.model)
    batch = next(iter(instantiate(cfg.dataloader.train)))
    assert all(len(x["ref_frames"]) == 1 for x in batch)
    with EventStorage():
        losses = model(batch)
    assert set(losses) == {
        "loss_rpn_cls",
        "loss_rpn_loc",
        "loss_cls",
        "loss_box_reg",
        "loss_track",
        "loss_track_aux",
    }
    assert all(torch.isfinite(v) for v in losses.values())
    assert losses["loss_track"] > 0 and losses["loss_track_aux"] > 0
    assert model.detector.proposal_generator.training  # the reference RPN ran in test mode
    sum(losses.values()).backward()
    assert model.track_head.convs[0].weight.grad.abs().sum() > 0
    assert model.track_head.fc_embed.weight.grad.abs().sum() > 0
    batch[0]["ref_frames"] = []
    with EventStorage(), pytest.raises(ValueError, match="one reference frame"):
        model(batch)


def test_tracking_outputs_ids_and_embeds_in_original_coordinates():
    cfg = tiny_cfg()
    cfg.model.tracker = L(EmbeddingTracker)(mode="memory", score_thr=0.0, init_score_thr=0.0)
    torch.manual_seed(0)
    model = instantiate(cfg.model).eval()
    frames = [x[0] for _, x in zip(range(3), instantiate(cfg.dataloader.test))]
    with pytest.raises(MissingWeightsError, match="detector has no weights"):
        model(frames[:1])
    model.load_state_dict(model.state_dict())  # a whole-model checkpoint: every part
    outputs = [model([f])[0]["instances"] for f in frames]
    for frame, out in zip(frames, outputs):
        assert len(out) > 0 and out.image_size == (frame["height"], frame["width"])
        assert out.embeds.shape == (len(out), 128)
        assert out.ID.dtype == torch.int64 and out.ID.min() >= 0
    assert set(outputs[0].ID.tolist()) == set(range(len(outputs[0])))  # frame 0: all new


def test_configured_tracker_runs_behind_the_model():
    cfg = tiny_cfg()
    model = instantiate(cfg.model).eval()
    assert type(model.tracker).__name__ == "QuasiDenseTracker"
    model.load_state_dict(model.state_dict())
    (frame,) = next(iter(instantiate(cfg.dataloader.test)))
    out = model([frame])[0]["instances"]
    assert out.has("ID") or len(out) == 0


def test_track_head_weights_are_required():
    cfg = tiny_cfg()
    model = instantiate(cfg.model).eval()
    state = {k: v for k, v in model.state_dict().items() if not k.startswith("track_head.")}
    model.load_state_dict(state, strict=False)
    (frame,) = next(iter(instantiate(cfg.dataloader.test)))
    with pytest.raises(MissingWeightsError, match="track head has no weights"):
        model([frame])


def test_mot17_config_follows_mmtracking():
    cfg = LazyConfig.load(str(CONFIGS / "qdtrack_faster_rcnn_r50_fpn_4e_mot17_halfval_private.py"))
    assert cfg.dataloader.train.dataset.dataset_dicts.names == "mot17_half_train"
    assert cfg.dataloader.test.dataset_dicts.names == "mot17_half_val"
    refs = cfg.dataloader.train.dataset.ref_sampler
    assert (refs.method, refs.num_ref_imgs, refs.frame_range, refs.filter_key_img) == (
        "uniform",
        1,
        10,
        True,
    )
    assert cfg.dataloader.train.total_batch_size == 16
    epoch = 166
    assert cfg.train.max_iter == 4 * epoch and cfg.train.checkpointer.period == epoch
    lr = instantiate(cfg.lr_multiplier)
    assert lr(0.0) == 1.0  # no warm-up
    assert lr((3 * epoch - 1) / cfg.train.max_iter) == 1.0
    assert lr((3 * epoch + 1) / cfg.train.max_iter) == pytest.approx(0.1)
    assert (cfg.optimizer.lr, cfg.optimizer.momentum, cfg.optimizer.weight_decay) == (
        0.02,
        0.9,
        1e-4,
    )
    assert cfg.train.grad_clip.max_norm == 35.0
    tracker = {k: v for k, v in cfg.model.tracker.items() if k != "_target_"}
    assert tracker == dict(
        init_score_thr=0.9,
        obj_score_thr=0.5,
        match_score_thr=0.5,
        memo_tracklet_frames=30,
        memo_backdrop_frames=1,
        memo_momentum=0.8,
        nms_conf_thr=0.5,
        nms_backdrop_iou_thr=0.3,
        nms_class_iou_thr=0.7,
        with_cats=True,
        match_metric="bisoftmax",
    )
    track_head = instantiate(cfg.model.track_head)
    assert len(track_head.convs) == 4 and track_head.convs[0].norm.num_groups == 32
    assert [fc.out_features for fc in track_head.fcs] == [1024] and track_head.embed_dim == 256
    assert track_head.sampler == dict(num=256, pos_fraction=0.5, neg_pos_ub=3)


@pytest.mark.parametrize(
    "name, train_split, epoch",
    [("mot17_test", "mot17_train", 332), ("mot20_test", "mot20_train", 558)],
)
def test_test_split_configs_train_on_the_full_split_and_only_write_results(
    name, train_split, epoch
):
    cfg = LazyConfig.load(str(CONFIGS / f"qdtrack_faster_rcnn_r50_fpn_4e_{name}_private.py"))
    assert cfg.dataloader.train.dataset.dataset_dicts.names == train_split
    assert cfg.dataloader.test.dataset_dicts.names == name
    assert cfg.dataloader.evaluator.format_only is True
    assert cfg.dataloader.evaluator.benchmark == name[:5].upper()
    assert cfg.train.max_iter == 4 * epoch
    assert cfg.lr_multiplier.scheduler.milestones == [3 * epoch]


@pytest.mark.parametrize("split, file", [("halfval", "half-val"), ("test", "test")])
def test_public_configs_read_the_test_split_detections(split, file):
    cfg = LazyConfig.load(str(CONFIGS / f"qdtrack_faster_rcnn_r50_fpn_4e_mot17_{split}_public.py"))
    path = instantiate(cfg.model.public_detections.path)
    assert path.endswith(f"MOT17/annotations/{file}_detections.json")
