"""MaskTrack R-CNN: the track head's loss, training and tracking on synthetic VIS frames."""

import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from detectron2.config import LazyConfig, instantiate
from detectron2.modeling.matcher import Matcher
from detectron2.modeling.poolers import ROIPooler
from detectron2.structures import Boxes, Instances
from detectron2.utils.events import EventStorage

from d2track.checkpoint import MissingWeightsError
from d2track.engine import inference_on_dataset
from d2track.evaluation import VISEvaluator, evaluate_vis_files
from d2track.projects.masktrack import RoIEmbedHead, match_logits

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "projects/MaskTrackRCNN/configs/masktrack_rcnn_tiny_800it_synthetic.py"


def tiny_cfg():
    cfg = LazyConfig.load(str(TINY))
    cfg.dataloader.train.num_workers = 0
    cfg.dataloader.test.num_workers = 0
    return cfg


def head(**kwargs):
    torch.manual_seed(0)
    pooler = ROIPooler(output_size=2, scales=(1.0,), sampling_ratio=0, pooler_type="ROIAlignV2")
    matcher = Matcher(thresholds=[0.5], labels=[0, 1], allow_low_quality_matches=False)
    return RoIEmbedHead(
        pooler=pooler,
        in_features=["p"],
        in_channels=3,
        proposal_matcher=matcher,
        fc_dim=8,
        **kwargs,
    )


def test_match_logits_put_the_new_object_column_first():
    got = match_logits(torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0, 0.0], [0.0, 1.0]]))
    assert got.tolist() == [[0.0, 3.0, 2.0]]


def test_track_loss_targets_reference_index_plus_one_and_normalises_by_matched():
    track_head = head()
    features = {"p": torch.rand(1, 3, 32, 32)}
    ref_features = {"p": torch.rand(1, 3, 32, 32)}
    gt = Instances((32, 32))
    gt.gt_boxes = Boxes(torch.tensor([[0.0, 0.0, 10.0, 10.0], [16.0, 16.0, 30.0, 30.0]]))
    gt.gt_match_indices = torch.tensor([[1], [-1]])  # instance 0 is reference 1; 1 is new
    ref = Instances((32, 32))
    ref.gt_boxes = Boxes(torch.tensor([[20.0, 0.0, 30.0, 9.0], [1.0, 1.0, 11.0, 11.0]]))
    proposals = Instances((32, 32))
    proposals.proposal_boxes = Boxes(torch.tensor([[0.0, 0.0, 10.0, 9.0], [0.0, 20.0, 5.0, 25.0]]))
    loss = track_head.losses(features, [proposals], [gt], ref_features, [ref])["loss_match"]
    # positives: proposal 0 (IoU 0.9 with gt 0) and both gt boxes; proposal 1 is background
    key_boxes = Boxes(
        torch.tensor([[0.0, 0.0, 10.0, 9.0], [0.0, 0.0, 10.0, 10.0], [16.0, 16.0, 30.0, 30.0]])
    )
    logits = match_logits(
        track_head(features, [key_boxes]), track_head(ref_features, [ref.gt_boxes])
    )
    expected = F.cross_entropy(logits, torch.tensor([2, 2, 0]), reduction="sum") / 2
    torch.testing.assert_close(loss, expected)
    loss.backward()
    assert track_head.fcs[0].weight.grad.abs().sum() > 0


def test_track_loss_without_instances_is_zero_and_in_the_graph():
    track_head = head()
    gt, ref, proposals = Instances((32, 32)), Instances((32, 32)), Instances((32, 32))
    gt.gt_boxes, ref.gt_boxes = Boxes(torch.zeros(0, 4)), Boxes(torch.zeros(0, 4))
    gt.gt_match_indices = torch.zeros(0, 1, dtype=torch.int64)
    proposals.proposal_boxes = Boxes(torch.tensor([[0.0, 0.0, 10.0, 9.0]]))
    features = {"p": torch.rand(1, 3, 32, 32)}
    loss = track_head.losses(features, [proposals], [gt], features, [ref])["loss_match"]
    assert loss.item() == 0.0 and loss.requires_grad


def test_track_loss_needs_match_indices():
    gt, proposals = Instances((32, 32)), Instances((32, 32))
    gt.gt_boxes = proposals.proposal_boxes = Boxes(torch.tensor([[0.0, 0.0, 10.0, 9.0]]))
    features = {"p": torch.rand(1, 3, 32, 32)}
    with pytest.raises(KeyError, match="gt_match_indices"):
        head().losses(features, [proposals], [gt], features, [gt])


def test_training_step_gives_every_loss_and_trains_the_track_head():
    cfg = tiny_cfg()
    torch.manual_seed(0)
    model = instantiate(cfg.model)
    batch = next(iter(instantiate(cfg.dataloader.train)))
    assert all(len(x["ref_frames"]) == 1 for x in batch)
    with EventStorage() as storage:
        losses = model(batch)
    assert "track_head/match_accuracy" in storage.latest()
    assert set(losses) == {
        "loss_rpn_cls",
        "loss_rpn_loc",
        "loss_cls",
        "loss_box_reg",
        "loss_mask",
        "loss_match",
    }
    sum(losses.values()).backward()
    assert model.track_head.fcs[0].weight.grad.abs().sum() > 0
    batch[0]["ref_frames"] = []
    with EventStorage(), pytest.raises(ValueError, match="one reference frame"):
        model(batch)


def test_tracking_outputs_masks_ids_and_embeds_in_original_coordinates():
    cfg = tiny_cfg()
    torch.manual_seed(0)
    model = instantiate(cfg.model).eval()
    frames = [x[0] for _, x in zip(range(3), instantiate(cfg.dataloader.test))]
    with pytest.raises(MissingWeightsError, match="detector has no weights"):
        model(frames[:1])
    model.load_state_dict(model.state_dict())  # a whole-model checkpoint: every part
    outputs = [model([f])[0]["instances"] for f in frames]
    for frame, out in zip(frames, outputs):
        assert len(out) > 0
        assert out.pred_masks.shape[1:] == (frame["height"], frame["width"])
        assert out.embeds.shape == (len(out), 256)
        assert out.ID.dtype == torch.int64 and out.ID.min() >= 0
    assert set(outputs[0].ID.tolist()) == set(range(len(outputs[0])))  # frame 0: all new


def test_track_head_weights_are_required():
    cfg = tiny_cfg()
    model = instantiate(cfg.model).eval()
    state = {k: v for k, v in model.state_dict().items() if not k.startswith("track_head.")}
    model.load_state_dict(state, strict=False)
    (frame,) = next(iter(instantiate(cfg.dataloader.test)))
    with pytest.raises(MissingWeightsError, match="track head has no weights"):
        model([frame])


@pytest.mark.parametrize("year, epoch", [("2019", 7731), ("2021", 11270)])
def test_youtube_vis_configs_follow_mmtracking_schedule(year, epoch):
    path = REPO / f"projects/MaskTrackRCNN/configs/masktrack_rcnn_r50_fpn_12e_youtubevis{year}.py"
    cfg = LazyConfig.load(str(path))
    assert cfg.dataloader.train.dataset.dataset_dicts.names == f"ytvis_{year}_train"
    assert cfg.dataloader.test.dataset_dicts.names == f"ytvis_{year}_valid"
    assert cfg.dataloader.evaluator.format_only is True
    assert cfg.dataloader.train.dataset.ref_sampler.num_ref_imgs == 1
    assert cfg.train.max_iter == 12 * epoch and cfg.train.checkpointer.period == epoch
    lr = instantiate(cfg.lr_multiplier)
    assert lr(0.0) == pytest.approx(1 / 3)
    assert lr(500 / cfg.train.max_iter) == pytest.approx(1.0)
    assert lr((8 * epoch - 1) / cfg.train.max_iter) == pytest.approx(1.0)
    assert lr((8 * epoch + 1) / cfg.train.max_iter) == pytest.approx(0.1)
    assert lr((11 * epoch + 1) / cfg.train.max_iter) == pytest.approx(0.01)
    assert cfg.optimizer.lr == 0.00125 and cfg.train.grad_clip.max_norm == 35.0


def test_format_only_results_load_and_score_as_in_process(tmp_path):
    """The CodaLab zip of a format-only run, scored from disk, gives the evaluator's numbers."""
    cfg = tiny_cfg()
    cfg.model.detector.roi_heads.box_predictor.test_topk_per_image = 5
    cfg.dataloader.test.dataset_dicts.num_videos = 1
    torch.manual_seed(0)
    model = instantiate(cfg.model).eval()
    model.load_state_dict(model.state_dict())
    name = cfg.dataloader.test.dataset_dicts.names
    written = VISEvaluator(name, format_only=True, output_dir=str(tmp_path), distributed=False)
    scored = VISEvaluator(name, distributed=False)
    results = inference_on_dataset(model, instantiate(cfg.dataloader.test), [written, scored])
    video_id = instantiate(cfg.dataloader.test.dataset_dicts)[0]["video_id"]
    gt_path = tmp_path / "gt.json"
    gt_path.write_text(json.dumps(scored._ground_truth([video_id])))
    from_disk = evaluate_vis_files(str(gt_path), str(tmp_path / "results_submission.zip"))
    assert len(json.loads((tmp_path / "results.json").read_text())) > 0
    for metric in ("AP", "AP50", "AP75", "AR1", "AR10"):
        assert 100 * from_disk[metric] == pytest.approx(results["segm"][metric]), metric
