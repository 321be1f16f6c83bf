"""The authors' AFLink checkpoint (``AFLink_epoch20.pth``: a ``PostLinker`` state dict) converts
key for key into AFLinkModel and computes what their architecture computes."""

import pytest
import torch
import torch.nn.functional as F

from d2track.projects.strongsort import (
    AFLinkModel,
    AppearanceFreeLink,
    convert_aflink_state_dict,
    load_aflink_weights,
)
from d2track.projects.strongsort.checkpoint import main

_CHANNELS = (1, 32, 64, 128, 256)
_COLUMNS = ("bnf", "bnx", "bny")


def _bn(prefix, size, generator, step):
    return {
        f"{prefix}weight": torch.rand(size, generator=generator) + 0.5,
        f"{prefix}bias": torch.randn(size, generator=generator),
        f"{prefix}running_mean": torch.randn(size, generator=generator),
        f"{prefix}running_var": torch.rand(size, generator=generator) + 0.5,
        f"{prefix}num_batches_tracked": torch.tensor(step),
    }


def authors_state_dict(seed=0):
    """A ``PostLinker.state_dict()`` with the authors' keys and shapes, random values."""
    g = torch.Generator().manual_seed(seed)
    state = {}
    for side in (1, 2):
        for i, (cin, cout) in enumerate(zip(_CHANNELS[:-1], _CHANNELS[1:])):
            prefix = f"TemporalModule_{side}.{i}."
            state[f"{prefix}conv.weight"] = torch.randn(cout, cin, 7, 1, generator=g) * 0.2
            for column in _COLUMNS:
                state.update(_bn(f"{prefix}{column}.", cout, g, 10 * side + i))
        state[f"FusionBlock_{side}.conv.weight"] = torch.randn(256, 256, 1, 3, generator=g) * 0.05
        state.update(_bn(f"FusionBlock_{side}.bn.", 256, g, side))
    state["classifier.fc1.weight"] = torch.randn(128, 512, generator=g) * 0.05
    state["classifier.fc1.bias"] = torch.randn(128, generator=g)
    state["classifier.fc2.weight"] = torch.randn(2, 128, generator=g) * 0.1
    state["classifier.fc2.bias"] = torch.randn(2, generator=g)
    return state


def _norm(state, prefix, x):
    return F.batch_norm(
        x,
        state[f"{prefix}running_mean"],
        state[f"{prefix}running_var"],
        state[f"{prefix}weight"],
        state[f"{prefix}bias"],
        training=False,
    )


def reference_logits(state, former, latter):
    """The authors' architecture in eval mode, read from their keys (before the softmax)."""

    def side(number, x):
        x = x[..., :3]
        for i in range(4):
            prefix = f"TemporalModule_{number}.{i}."
            x = F.conv2d(x, state[f"{prefix}conv.weight"])
            columns = [_norm(state, f"{prefix}{c}.", x[..., k]) for k, c in enumerate(_COLUMNS)]
            x = F.relu(torch.stack(columns, dim=-1))
        x = F.conv2d(x, state[f"FusionBlock_{number}.conv.weight"])
        return F.relu(_norm(state, f"FusionBlock_{number}.bn.", x)).mean(dim=(2, 3))

    x = torch.cat([side(1, former), side(2, latter)], dim=1)
    x = F.relu(F.linear(x, state["classifier.fc1.weight"], state["classifier.fc1.bias"]))
    return F.linear(x, state["classifier.fc2.weight"], state["classifier.fc2.bias"])


def test_conversion_covers_every_key_with_its_shape():
    state = authors_state_dict()
    assert len(state) == 2 * (4 * (1 + 3 * 5) + 1 + 5) + 4  # 138 tensors
    result = convert_aflink_state_dict(state)
    assert result.unmapped == [] and result.dropped == []
    ours = AFLinkModel().state_dict()
    assert set(result.state_dict) == set(ours)
    for key, value in result.state_dict.items():
        assert value.shape == ours[key].shape, key
    sources = {id(v): k for k, v in state.items()}
    assert sources[id(result.state_dict["temporal_latter.3.norms.1.running_mean"])] == (
        "TemporalModule_2.3.bnx.running_mean"
    )
    assert sources[id(result.state_dict["fusion_former.norm.weight"])] == "FusionBlock_1.bn.weight"
    assert sources[id(result.state_dict["classifier.2.bias"])] == "classifier.fc2.bias"


def test_converted_model_computes_the_authors_architecture():
    state = authors_state_dict()
    model = AFLinkModel()
    model.load_state_dict(convert_aflink_state_dict(state).state_dict, strict=True)
    model.eval()
    former, latter = torch.randn(4, 1, 30, 5), torch.randn(4, 1, 30, 5)
    expected = reference_logits(state, former, latter)
    with torch.no_grad():
        torch.testing.assert_close(model(former, latter), expected, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(
        model.link_probability(former, latter), torch.softmax(expected, dim=1)[:, 1]
    )
    swapped = reference_logits(state, latter, former)  # the two sides have their own weights
    assert not torch.allclose(expected, swapped, rtol=1e-2, atol=1e-2)


def test_unknown_keys_are_reported():
    state = authors_state_dict()
    state["TemporalModule_1.0.bnz.weight"] = torch.zeros(1)
    state["extra.weight"] = torch.zeros(1)
    result = convert_aflink_state_dict(state)
    assert sorted(result.unmapped) == ["TemporalModule_1.0.bnz.weight", "extra.weight"]


def test_load_weights_from_either_format_and_the_command_line(tmp_path):
    state = authors_state_dict(seed=1)
    authors = tmp_path / "AFLink_epoch20.pth"
    torch.save(state, authors)
    converted = tmp_path / "aflink_d2track.pth"
    assert main([str(authors), str(converted)]) == 0
    reference = convert_aflink_state_dict(state).state_dict
    for path in (authors, converted):
        model = load_aflink_weights(AFLinkModel(), str(path))
        for key, value in model.state_dict().items():
            torch.testing.assert_close(value, reference[key])
    linker = AppearanceFreeLink(weights=str(converted))
    assert linker.weights == str(converted) and not linker.model.training
    torch.save({"model": {"classifier.0.weight": torch.zeros(1)}}, tmp_path / "bad.pth")
    with pytest.raises(ValueError, match="bad.pth"):
        load_aflink_weights(AFLinkModel(), str(tmp_path / "bad.pth"))
