"""Tests of the SELSA aggregator and box head (d2track.modeling)."""

import math

import pytest
import torch
from detectron2.layers import ShapeSpec
from torch.nn import functional as F

from d2track.modeling.aggregators import SelsaAggregator
from d2track.modeling.roi_heads import SelsaBoxHead


def _set_linear(linear, weight, bias):
    with torch.no_grad():
        linear.weight.copy_(torch.as_tensor(weight, dtype=torch.float32))
        linear.bias.copy_(torch.as_tensor(bias, dtype=torch.float32))


def test_aggregator_output_shape():
    torch.manual_seed(0)
    agg = SelsaAggregator(in_channels=32, num_attention_blocks=4)
    assert agg(torch.randn(5, 32), torch.randn(7, 32)).shape == (5, 32)
    assert agg.attention_weights(torch.randn(5, 32), torch.randn(7, 32)).shape == (4, 5, 7)


def test_aggregator_hand_computed_attention():
    agg = SelsaAggregator(in_channels=2, num_attention_blocks=1)
    eye = [[1.0, 0.0], [0.0, 1.0]]
    _set_linear(agg.fc_embed, eye, [0.0, 0.0])
    _set_linear(agg.ref_fc_embed, eye, [0.0, 0.0])
    _set_linear(agg.ref_fc, [[2.0, 0.0], [0.0, 2.0]], [1.0, -1.0])  # v -> 2v + (1, -1)
    _set_linear(agg.fc, eye, [0.5, 0.0])
    x = torch.tensor([[1.0, 0.0], [0.0, 3.0]])
    ref = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    out = agg(x, ref)
    # key 0: logits (1, 0) / sqrt(2); key 1: logits (0, 3) / sqrt(2)
    w0 = 1.0 / (1.0 + math.exp(-1.0 / math.sqrt(2.0)))
    w1 = 1.0 / (1.0 + math.exp(3.0 / math.sqrt(2.0)))  # weight of the first reference
    values = [[3.0, -1.0], [1.0, 1.0]]  # ref_fc of the two references
    expected = [
        [w * values[0][c] + (1 - w) * values[1][c] + (0.5 if c == 0 else 0.0) for c in range(2)]
        for w in (w0, w1)
    ]
    torch.testing.assert_close(out, torch.tensor(expected), atol=1e-6, rtol=0)
    weights = agg.attention_weights(x, ref)
    torch.testing.assert_close(weights[0, :, 0], torch.tensor([w0, w1]), atol=1e-6, rtol=0)


def test_aggregator_one_reference_is_transformed_reference():
    torch.manual_seed(1)
    agg = SelsaAggregator(in_channels=16, num_attention_blocks=4)
    ref = torch.randn(1, 16)
    out = agg(torch.randn(6, 16), ref)
    expected = agg.fc(agg.ref_fc(ref)).expand(6, -1)
    torch.testing.assert_close(out, expected, atol=1e-6, rtol=0)


def test_aggregator_bad_configuration_and_shapes():
    with pytest.raises(ValueError, match="num_attention_blocks"):
        SelsaAggregator(in_channels=10, num_attention_blocks=4)
    agg = SelsaAggregator(in_channels=8, num_attention_blocks=2)
    with pytest.raises(ValueError, match="ref_x"):
        agg(torch.randn(3, 8), torch.randn(3, 4))


@pytest.mark.parametrize("num_fcs", [2, 3])
def test_box_head_shapes(num_fcs):
    torch.manual_seed(2)
    head = SelsaBoxHead(
        input_shape=ShapeSpec(channels=4, height=7, width=7),
        num_shared_fcs=num_fcs,
        fc_dim=32,
        num_attention_blocks=4,
    )
    assert len(head.fcs) == num_fcs and len(head.aggregator) == num_fcs
    keys = set(head.state_dict())
    assert {f"fc{k + 1}.weight" for k in range(num_fcs)} <= keys
    assert f"aggregator.{num_fcs - 1}.ref_fc_embed.weight" in keys
    assert len(keys) == 2 * num_fcs + 8 * num_fcs
    assert head.output_shape == ShapeSpec(channels=32)
    out = head(torch.randn(6, 4, 7, 7), torch.randn(9, 4, 7, 7), [2, 4], [5, 4])
    assert out.shape == (6, 32)
    assert (out >= 0).all()
    assert head(torch.randn(3, 4, 7, 7), torch.randn(2, 4, 7, 7)).shape == (3, 32)


def test_box_head_matches_mmtracking_order():
    torch.manual_seed(3)
    head = SelsaBoxHead(
        input_shape=ShapeSpec(channels=2, height=2, width=2), fc_dim=8, num_attention_blocks=2
    )
    x, ref = torch.randn(3, 2, 2, 2), torch.randn(4, 2, 2, 2)
    ex, er = x.flatten(1), ref.flatten(1)
    for fc, agg in zip(head.fcs, head.aggregator):
        ex, er = fc(ex), fc(er)
        ex = F.relu(ex + agg(ex, er))
        er = F.relu(er)
    torch.testing.assert_close(head(x, ref), ex, atol=1e-6, rtol=0)


def test_box_head_groups_per_sample():
    torch.manual_seed(4)
    head = SelsaBoxHead(input_shape=ShapeSpec(channels=4, height=3, width=3), fc_dim=16)
    x, ref = torch.randn(5, 4, 3, 3), torch.randn(7, 4, 3, 3)
    out = head(x, ref, [2, 3], [3, 4])
    ref2 = ref.clone()
    ref2[3:] = torch.randn(4, 4, 3, 3)
    out2 = head(x, ref2, [2, 3], [3, 4])
    assert torch.equal(out[:2], out2[:2])
    assert not torch.allclose(out[2:], out2[2:])
    torch.testing.assert_close(out[:2], head(x[:2], ref[:3]), atol=1e-6, rtol=0)


def test_box_head_sample_without_references_attends_to_itself():
    torch.manual_seed(5)
    head = SelsaBoxHead(
        input_shape=ShapeSpec(channels=2, height=2, width=2), fc_dim=8, num_attention_blocks=2
    )
    x, ref = torch.randn(5, 2, 2, 2), torch.randn(3, 2, 2, 2)
    out = head(x, ref, [2, 3], [0, 3])
    torch.testing.assert_close(out[:2], head(x[:2], x[:2]), atol=1e-6, rtol=0)


def test_box_head_bad_counts():
    head = SelsaBoxHead(
        input_shape=ShapeSpec(channels=2, height=2, width=2), fc_dim=8, num_attention_blocks=2
    )
    with pytest.raises(ValueError, match="key_counts"):
        head(torch.randn(5, 2, 2, 2), torch.randn(3, 2, 2, 2), [2, 2], [1, 2])
    with pytest.raises(ValueError, match="samples"):
        head(torch.randn(5, 2, 2, 2), torch.randn(3, 2, 2, 2), [2, 3], [3])
    with pytest.raises(ValueError, match="num_shared_fcs"):
        SelsaBoxHead(input_shape=ShapeSpec(channels=2), num_shared_fcs=0)
