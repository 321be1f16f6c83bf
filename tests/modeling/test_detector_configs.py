import time

import pytest
import torch
from detectron2.config import instantiate
from detectron2.layers import FrozenBatchNorm2d
from detectron2.structures import Boxes, Instances
from detectron2.utils.events import EventStorage

from d2track.config import get_config
from d2track.data.datasets.synthetic_tasks import SYNTHETIC_TASKS
from d2track.modeling.backbone import ChannelMapper


@pytest.fixture(scope="module")
def r50():
    return instantiate(get_config("common/models/faster_rcnn_r50_dc5.py").model)


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    return instantiate(get_config("common/models/faster_rcnn_tiny_synthetic.py").model)


def test_r50_dc5_backbone(r50):
    backbone = r50.backbone
    assert isinstance(backbone, ChannelMapper)
    assert backbone.output_shape()["mapped"].channels == 512
    assert backbone.output_shape()["mapped"].stride == 16
    assert backbone.bottom_up.output_shape()["res5"].stride == 16
    res5 = backbone.bottom_up.res5
    assert [b.conv2.dilation for b in res5] == [(2, 2)] * 3
    assert [len(getattr(backbone.bottom_up, f"res{k}")) for k in (2, 3, 4, 5)] == [3, 4, 6, 3]
    assert backbone.bottom_up.res3[0].conv2.stride == (2, 2)  # torchvision style
    assert backbone.conv.weight.shape == (512, 2048, 3, 3)
    norms = [m for m in backbone.bottom_up.modules() if isinstance(m, FrozenBatchNorm2d)]
    assert len(norms) == 53
    frozen = {
        n.split(".")[0] for n, p in backbone.bottom_up.named_parameters() if not p.requires_grad
    }
    trainable = {
        n.split(".")[0] for n, p in backbone.bottom_up.named_parameters() if p.requires_grad
    }
    assert frozen == {"stem", "res2"} and trainable == {"res3", "res4", "res5"}


def test_r50_dc5_rpn(r50):
    rpn = r50.proposal_generator
    assert rpn.in_features == ["mapped"]
    cell = list(rpn.anchor_generator.cell_anchors)[0]
    widths, heights = cell[:, 2] - cell[:, 0], cell[:, 3] - cell[:, 1]
    torch.testing.assert_close((widths * heights).sqrt()[::3], torch.tensor([64.0, 128, 256, 512]))
    torch.testing.assert_close((heights / widths)[:3], torch.tensor([0.5, 1.0, 2.0]))
    assert rpn.anchor_generator.strides == [16] and rpn.anchor_generator.offset == 0.0
    assert rpn.rpn_head.objectness_logits.weight.shape == (12, 512, 1, 1)
    assert rpn.pre_nms_topk == {True: 6000, False: 6000}
    assert rpn.post_nms_topk == {True: 600, False: 300}
    assert rpn.nms_thresh == 0.7 and rpn.anchor_boundary_thresh == 0.0
    assert rpn.batch_size_per_image == 256 and rpn.positive_fraction == 0.5
    assert rpn.smooth_l1_beta == pytest.approx(1 / 9)
    assert rpn.anchor_matcher.thresholds[1:-1] == [0.3, 0.7]


def test_r50_dc5_roi_heads(r50):
    heads = r50.roi_heads
    assert heads.num_classes == 30 and heads.box_in_features == ["mapped"]
    assert heads.batch_size_per_image == 256 and heads.positive_fraction == 0.25
    assert heads.proposal_append_gt
    pooler = heads.box_pooler
    assert pooler.output_size == (7, 7)
    assert pooler.level_poolers[0].spatial_scale == 1 / 16
    assert pooler.level_poolers[0].sampling_ratio == 2 and pooler.level_poolers[0].aligned
    assert heads.box_head.fc1.weight.shape == (1024, 512 * 7 * 7)
    assert heads.box_head.fc2.weight.shape == (1024, 1024)
    predictor = heads.box_predictor
    assert predictor.cls_score.weight.shape == (31, 1024)
    assert predictor.bbox_pred.weight.shape == (120, 1024)  # class-specific
    assert predictor.box2box_transform.weights == (5.0, 5.0, 5.0, 5.0)
    assert predictor.smooth_l1_beta == 1.0
    assert predictor.test_score_thresh == 1e-4 and predictor.test_nms_thresh == 0.5
    assert predictor.test_topk_per_image == 100


def test_r50_dc5_input(r50):
    assert r50.input_format == "RGB"
    torch.testing.assert_close(r50.pixel_mean.flatten(), torch.tensor([123.675, 116.28, 103.53]))
    torch.testing.assert_close(r50.pixel_std.flatten(), torch.tensor([58.395, 57.12, 57.375]))


def test_r50_dc5_eval_forward(r50):
    r50.eval()
    with torch.no_grad():
        out = r50([{"image": torch.randint(0, 256, (3, 64, 80), dtype=torch.uint8)}])
    instances = out[0]["instances"]
    assert instances.image_size == (64, 80)
    assert len(instances) <= 100


def sample(rng):
    instances = Instances((128, 128))
    instances.gt_boxes = Boxes(torch.tensor([[10.0, 12, 60, 70], [50, 40, 120, 100]]))
    instances.gt_classes = torch.tensor([0, 5])
    image = torch.randint(0, 256, (3, 128, 128), dtype=torch.uint8, generator=rng)
    return {"image": image, "instances": instances}


def test_tiny_structure(tiny):
    assert tiny.backbone.output_shape()["mapped"].channels == 128
    assert tiny.backbone.output_shape()["mapped"].stride == 16
    assert tiny.roi_heads.num_classes == len(SYNTHETIC_TASKS["vid"].classes) == 6
    assert tiny.input_format == "BGR"
    assert sum(p.numel() for p in tiny.parameters()) < 3_000_000


def test_tiny_train_and_eval_forward(tiny):
    rng = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    tiny.train()
    with EventStorage():
        losses = tiny([sample(rng), sample(rng)])
    assert set(losses) == {"loss_rpn_cls", "loss_rpn_loc", "loss_cls", "loss_box_reg"}
    total = sum(losses.values())
    assert torch.isfinite(total)
    total.backward()
    assert tiny.backbone.bottom_up.stem.conv1.weight.grad is not None
    tiny.eval()
    with torch.no_grad():
        out = tiny([{"image": sample(rng)["image"]}])
    instances = out[0]["instances"]
    assert len(instances) <= 100
    assert instances.pred_classes.max() < 6
    assert time.perf_counter() - start < 10
