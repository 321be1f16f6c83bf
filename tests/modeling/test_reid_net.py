"""d2track.modeling.reid: batch-hard triplet loss, LinearReIDHead and the ReID model."""

import itertools

import pytest
import torch
from detectron2.modeling.backbone import BasicStem, ResNet
from detectron2.modeling.backbone.resnet import BasicBlock
from detectron2.utils.events import EventStorage

from d2track.modeling.reid import LinearReIDHead, ReID, triplet_loss_hard_mining

CROP = (32, 16)


def tiny_reid(num_classes=4, seed=0):
    torch.manual_seed(seed)
    stages = [
        ResNet.make_stage(
            block_class=BasicBlock,
            num_blocks=1,
            stride_per_block=[1 if i == 0 else 2],
            in_channels=8 if i == 0 else 8 * 2 ** (i - 1),
            out_channels=8 * 2**i,
            norm="BN",
        )
        for i in range(2)
    ]
    backbone = ResNet(BasicStem(3, 8, norm="BN"), stages, out_features=["res3"])
    head = LinearReIDHead(in_channels=16, num_classes=num_classes, fc_channels=16, out_channels=8)
    return ReID(
        backbone=backbone,
        in_features="res3",
        head=head,
        pixel_mean=[128.0, 128.0, 128.0],
        pixel_std=[64.0, 64.0, 64.0],
        crop_size=CROP,
    )


def batch(num_ids=4, per_id=2, seed=0):
    """Each identity has its own colour (plus noise), so it can be learnt."""
    g = torch.Generator().manual_seed(seed)
    colours = torch.rand(num_ids, 3, 1, 1, generator=g) * 255
    inputs = []
    for label in range(num_ids):
        for _ in range(per_id):
            noise = torch.randn(3, *CROP, generator=g) * 20
            image = (colours[label] + noise).clamp(0, 255).to(torch.uint8)
            inputs.append({"image": image, "label": label})
    return inputs


def brute_force_batch_hard(embeds, labels, margin):
    """Mean over anchors of the largest hinge over all (positive, negative) pairs."""
    dist = torch.cdist(embeds, embeds)
    losses = []
    for a in range(len(labels)):
        hinges = [
            max(0.0, float(dist[a, p] - dist[a, n]) + margin)
            for p, n in itertools.product(range(len(labels)), repeat=2)
            if labels[p] == labels[a] and labels[n] != labels[a]
        ]
        if hinges:
            losses.append(max(hinges))
    return sum(losses) / len(losses)


def test_triplet_loss_hand_checked_1d_case():
    embeds = torch.tensor([[0.0], [1.0], [3.0], [5.0]])
    labels = torch.tensor([0, 0, 1, 1])
    # Only anchor 2 violates: hardest positive 5 (d=2), hardest negative 1 (d=2).
    assert triplet_loss_hard_mining(embeds, labels, margin=0.3).item() == pytest.approx(0.3 / 4)
    assert triplet_loss_hard_mining(embeds, labels, margin=1.0).item() == pytest.approx(1.0 / 4)
    assert triplet_loss_hard_mining(embeds, labels, margin=0.0).item() == pytest.approx(0.0)


def test_triplet_loss_matches_brute_force_on_random_batch():
    g = torch.Generator().manual_seed(3)
    embeds = torch.randn(12, 5, generator=g)
    labels = torch.tensor([0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 4])  # id 4: no positive but itself
    expected = brute_force_batch_hard(embeds, labels.tolist(), 0.3)
    actual = triplet_loss_hard_mining(embeds, labels, margin=0.3).item()
    assert actual == pytest.approx(expected, abs=1e-5)


def test_triplet_loss_without_negatives_is_zero_and_differentiable():
    embeds = torch.randn(4, 3, requires_grad=True)
    loss = triplet_loss_hard_mining(embeds, torch.zeros(4, dtype=torch.long))
    loss.backward()
    assert loss.item() == 0.0 and torch.all(embeds.grad == 0)
    with pytest.raises(ValueError, match="labels"):
        triplet_loss_hard_mining(embeds, torch.zeros(3, dtype=torch.long))


def test_head_layers_follow_mmtracking():
    head = LinearReIDHead(in_channels=2048, num_classes=380)
    assert [type(m).__name__ for m in head.fcs] == ["Linear", "BatchNorm1d", "ReLU"]
    assert head.fcs[0].out_features == 1024 and head.fc_out.out_features == 128
    assert head.classifier.in_features == 128 and head.classifier.out_features == 380
    assert head(torch.randn(2, 2048)).shape == (2, 128)
    with pytest.raises(ValueError, match="num_classes"):
        LinearReIDHead(in_channels=8, num_classes=0)


def test_train_forward_returns_finite_losses_and_logs_accuracy():
    model = tiny_reid().train()
    with EventStorage() as storage:
        losses = model(batch())
        accuracy = storage.latest()["reid/cls_accuracy"][0]
    assert set(losses) == {"loss_cls", "loss_triplet"}
    assert all(v.dim() == 0 and torch.isfinite(v) for v in losses.values())
    assert 0.0 <= accuracy <= 1.0


def test_label_out_of_range_names_num_classes():
    inputs = batch()
    inputs[0]["label"] = 4
    with pytest.raises(ValueError, match="num_classes"):
        tiny_reid(num_classes=4).train()(inputs)


def test_eval_forward_returns_embeddings():
    model = tiny_reid().eval()
    with torch.no_grad():
        embeds = model(batch())
    assert embeds.shape == (8, 8) and embeds.dtype == torch.float32


def test_losses_decrease_when_training():
    model, inputs = tiny_reid().train(), batch()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    history = []
    for _ in range(15):
        losses = model(inputs)
        history.append({k: v.item() for k, v in losses.items()})
        optimizer.zero_grad()
        sum(losses.values()).backward()
        optimizer.step()
    assert history[-1]["loss_cls"] < 0.7 * history[0]["loss_cls"]
    assert history[-1]["loss_triplet"] < history[0]["loss_triplet"]


def test_embed_boxes_shapes_and_equals_embed_of_resized_crop():
    model = tiny_reid().eval()
    image = batch()[0]["image"]  # (3, 32, 16): a box covering it needs no resampling
    with torch.no_grad():
        whole = model.embed_boxes(image, torch.tensor([[0.0, 0.0, 16.0, 32.0]]))
        direct = model.embed(image[None])
        big = torch.nn.functional.interpolate(image[None].float(), scale_factor=2.0)[0]
        several = model.embed_boxes(big, torch.tensor([[0, 0, 32, 64], [4, 4, 20, 30.0]]))
        empty = model.embed_boxes(big, torch.zeros(0, 4))
    assert torch.allclose(whole, direct, atol=1e-5)
    assert several.shape == (2, 8) and empty.shape == (0, 8)
    with pytest.raises(ValueError, match="boxes"):
        model.embed_boxes(big, torch.zeros(4))


def test_loads_detector_backbone_keys_of_the_imagenet_converter():
    model, source = tiny_reid(seed=0), tiny_reid(seed=1)
    state = {
        ("backbone.bottom_up." + k[len("backbone.") :] if k.startswith("backbone.") else k): v
        for k, v in source.state_dict().items()
    }
    incompatible = model.load_state_dict(state, strict=True)
    assert not incompatible.missing_keys and not incompatible.unexpected_keys
    assert torch.equal(model.backbone.stem.conv1.weight, source.backbone.stem.conv1.weight)
