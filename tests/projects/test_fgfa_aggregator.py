import math

import pytest
import torch

from d2track.projects.fgfa import EmbedAggregator, mmtrack_key_to_d2track


def _identity_embedding(channels=4, kernel_size=3):
    """Aggregator whose single embedding conv is the identity (centre tap 1, zero bias)."""
    agg = EmbedAggregator(num_convs=1, channels=channels, kernel_size=kernel_size).double()
    with torch.no_grad():
        agg.embed_convs[0].weight.zero_()
        centre = (kernel_size - 1) // 2
        agg.embed_convs[0].weight[:, :, centre, centre] = torch.eye(channels)
        agg.embed_convs[0].bias.zero_()
    return agg


def _constant_map(vector, h=3, w=5):
    return torch.tensor(vector, dtype=torch.float64).view(1, -1, 1, 1).expand(1, -1, h, w)


def test_output_shape_and_gradients():
    torch.manual_seed(0)
    agg = EmbedAggregator(num_convs=2, channels=8, kernel_size=3)
    x = torch.randn(1, 8, 5, 6)
    ref_x = torch.randn(3, 8, 5, 6, requires_grad=True)
    out = agg(x, ref_x)
    assert out.shape == (1, 8, 5, 6)
    out.sum().backward()
    assert all(float(p.grad.abs().sum()) > 0 for p in agg.parameters())
    assert float(ref_x.grad.abs().sum()) > 0


def test_identical_embeddings_give_the_mean_of_references():
    torch.manual_seed(1)
    agg = EmbedAggregator(num_convs=1, channels=4).double()
    with torch.no_grad():  # every embedding becomes the constant vector (1, 1, 1, 1)
        agg.embed_convs[0].weight.zero_()
        agg.embed_convs[0].bias.fill_(1.0)
    ref_x = torch.randn(5, 4, 3, 5, dtype=torch.float64)
    out = agg(torch.randn(1, 4, 3, 5, dtype=torch.float64), ref_x)
    assert torch.allclose(out, ref_x.mean(dim=0, keepdim=True), atol=1e-6, rtol=0)


def test_weights_are_softmax_of_hand_computed_cosine_similarities():
    agg = _identity_embedding()
    key = [1.0, 0.0, 0.0, 0.0]
    refs = [
        [2.0, 0.0, 0.0, 0.0],  # same direction as the key: cos 1 (features twice as large)
        [0.0, 3.0, 0.0, 0.0],  # orthogonal: cos 0
        [1.0, 1.0, 0.0, 0.0],  # cos 1/sqrt(2)
        [-1.0, 0.0, 0.0, 0.0],  # opposite: cos -1
        [0.0, 0.0, 0.0, -4.0],  # orthogonal: cos 0
    ]
    ref_x = torch.cat([_constant_map(r) for r in refs])
    out = agg(_constant_map(key), ref_x)
    cosines = [1.0, 0.0, 1 / math.sqrt(2), -1.0, 0.0]
    exps = [math.exp(c) for c in cosines]
    weights = [e / sum(exps) for e in exps]
    expected = [sum(w * r[c] for w, r in zip(weights, refs)) for c in range(4)]
    assert torch.allclose(out, _constant_map(expected), atol=1e-6, rtol=0)
    assert expected[0] == pytest.approx(
        (2 * math.e + math.exp(0.5**0.5) - math.exp(-1)) / sum(exps), abs=1e-12
    )


def test_weights_are_per_pixel():
    agg = _identity_embedding(channels=2, kernel_size=1)
    key = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64).T.reshape(1, 2, 1, 2)
    ref_x = torch.tensor(
        [[[1.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 1.0]]], dtype=torch.float64
    ).reshape(2, 2, 1, 2)
    # pixel 0: key (1, 0), refs (1, 0) and (0, 0); pixel 1: key (0, 1), refs (0, 0) and (0, 1)
    out = agg(key, ref_x)
    w = math.e / (math.e + 1)  # cos 1 against cos 0 (a zero embedding has zero similarity)
    expected = torch.tensor([[w, 0.0], [0.0, w]], dtype=torch.float64).reshape(1, 2, 1, 2)
    assert torch.allclose(out, expected, atol=1e-6, rtol=0)


def test_zero_embedding_gives_equal_weights_not_nan():
    agg = EmbedAggregator(num_convs=1, channels=4).double()
    with torch.no_grad():
        agg.embed_convs[0].weight.zero_()
        agg.embed_convs[0].bias.zero_()
    ref_x = torch.randn(3, 4, 2, 2, dtype=torch.float64)
    out = agg(torch.randn(1, 4, 2, 2, dtype=torch.float64), ref_x)
    assert torch.allclose(out, ref_x.mean(dim=0, keepdim=True), atol=1e-6, rtol=0)


def test_single_reference_is_returned_unchanged():
    torch.manual_seed(2)
    agg = EmbedAggregator(num_convs=1, channels=4)
    ref_x = torch.randn(1, 4, 3, 3)
    assert torch.allclose(agg(torch.randn(1, 4, 3, 3), ref_x), ref_x, atol=1e-6, rtol=0)


def test_layers_keys_and_init_match_mmtrack():
    torch.manual_seed(3)
    agg = EmbedAggregator(num_convs=3, channels=512, kernel_size=3, norm="BN")
    mm_keys = [
        "aggregator.embed_convs.0.conv.weight",
        "aggregator.embed_convs.0.bn.weight",
        "aggregator.embed_convs.0.bn.bias",
        "aggregator.embed_convs.0.bn.running_mean",
        "aggregator.embed_convs.0.bn.running_var",
        "aggregator.embed_convs.0.bn.num_batches_tracked",
        "aggregator.embed_convs.1.conv.weight",
        "aggregator.embed_convs.1.bn.weight",
        "aggregator.embed_convs.1.bn.bias",
        "aggregator.embed_convs.1.bn.running_mean",
        "aggregator.embed_convs.1.bn.running_var",
        "aggregator.embed_convs.1.bn.num_batches_tracked",
        "aggregator.embed_convs.2.conv.weight",  # the last conv: no norm, so a bias
        "aggregator.embed_convs.2.conv.bias",
    ]
    mapped = {mmtrack_key_to_d2track(k) for k in mm_keys}
    assert mapped == {"aggregator." + k for k in agg.state_dict()}
    assert mmtrack_key_to_d2track("embed_convs.0.gn.weight") == "embed_convs.0.norm.weight"
    weight = agg.embed_convs[2].weight.detach()
    expected_std = math.sqrt(2.0) / math.sqrt(512 * 9)  # kaiming_normal_, fan_out, relu gain
    assert float(weight.std()) == pytest.approx(expected_std, rel=0.01)
    assert not agg.embed_convs[2].bias.detach().any()


def test_rejects_bad_input():
    agg = EmbedAggregator(num_convs=1, channels=4)
    with pytest.raises(ValueError, match="num_convs must be at least 1, got 0"):
        EmbedAggregator(num_convs=0)
    with pytest.raises(ValueError, match=r"x must be \(1, C, H, W\), got \(2, 4, 3, 3\)"):
        agg(torch.zeros(2, 4, 3, 3), torch.zeros(2, 4, 3, 3))
    with pytest.raises(ValueError, match=r"matching x \(1, 4, 3, 3\), got \(2, 5, 3, 3\)"):
        agg(torch.zeros(1, 4, 3, 3), torch.zeros(2, 5, 3, 3))
    with pytest.raises(ValueError, match=r"got \(0, 4, 3, 3\)"):
        agg(torch.zeros(1, 4, 3, 3), torch.zeros(0, 4, 3, 3))
