"""The StrongSORT authors' AFLink checkpoint (``AFLink_epoch20.pth``) -> :class:`AFLinkModel`.

Their file is a plain ``PostLinker.state_dict()`` (``torch.save(model.state_dict())``); the
layers are the same, only the names change:

===================================================  ===========================================
authors (``PostLinker``)                              d2track (:class:`~.aflink_model.AFLinkModel`)
===================================================  ===========================================
``TemporalModule_1.{i}.conv.weight``                  ``temporal_former.{i}.conv.weight``
``TemporalModule_1.{i}.{bnf,bnx,bny}.*``              ``temporal_former.{i}.norms.{0,1,2}.*``
``TemporalModule_2.*``                                ``temporal_latter.*`` (the same way)
``FusionBlock_1.conv.weight``, ``FusionBlock_1.bn.*``  ``fusion_former.conv.weight``, ``.norm.*``
``FusionBlock_2.*``                                   ``fusion_latter.*``
``classifier.fc1.*``, ``classifier.fc2.*``            ``classifier.0.*``, ``classifier.2.*``
===================================================  ===========================================

BatchNorm statistics and ``num_batches_tracked`` are kept. Command line::

    python -m d2track.projects.strongsort.checkpoint AFLink_epoch20.pth output/aflink_mot17.pth

writes ``{"model": state_dict}``; :func:`load_aflink_weights` reads that, a d2track training
output (``model_final.pth``) or the authors' file directly.
"""

import argparse
import sys

import torch

from d2track.checkpoint import Rule, convert_mmtrack_state_dict
from d2track.utils.file_io import atomic_open

__all__ = ["aflink_checkpoint_rules", "convert_aflink_state_dict", "load_aflink_weights", "main"]

_BN = r"(weight|bias|running_mean|running_var|num_batches_tracked)"
_SIDES = {"1": "former", "2": "latter"}
_COLUMNS = {"bnf": 0, "bnx": 1, "bny": 2}
#: a key only the authors' checkpoints have.
_AUTHORS_PREFIX = "TemporalModule_1."


def aflink_checkpoint_rules():
    """Rules (:class:`~d2track.checkpoint.Rule`) renaming the authors' keys to ours.

    Returns:
        tuple[Rule]
    """
    rules = []
    for number, side in _SIDES.items():
        temporal = rf"TemporalModule_{number}\.(\d+)\."
        rules.append(Rule(rf"{temporal}conv\.weight", rf"temporal_{side}.\1.conv.weight"))
        for name, column in _COLUMNS.items():
            rules.append(
                Rule(rf"{temporal}{name}\.{_BN}", rf"temporal_{side}.\1.norms.{column}.\2")
            )
        fusion = rf"FusionBlock_{number}\."
        rules.append(Rule(rf"{fusion}conv\.weight", f"fusion_{side}.conv.weight"))
        rules.append(Rule(rf"{fusion}bn\.{_BN}", rf"fusion_{side}.norm.\1"))
    rules.append(Rule(r"classifier\.fc1\.(weight|bias)", r"classifier.0.\1"))
    rules.append(Rule(r"classifier\.fc2\.(weight|bias)", r"classifier.2.\1"))
    return tuple(rules)


def convert_aflink_state_dict(state_dict):
    """Rename an authors' AFLink state dict.

    Returns:
        ConversionResult: ``state_dict`` (ours), ``unmapped`` (keys no rule matched) and
        ``dropped`` (none).
    """
    return convert_mmtrack_state_dict(
        state_dict, extra_rules=aflink_checkpoint_rules(), with_detector=False
    )


def _state_dict(path):
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(checkpoint, dict) and isinstance(checkpoint.get("model"), dict):
        checkpoint = checkpoint["model"]
    elif isinstance(checkpoint, dict) and isinstance(checkpoint.get("state_dict"), dict):
        checkpoint = checkpoint["state_dict"]
    if not isinstance(checkpoint, dict):
        raise ValueError(f"{path}: not an AFLink checkpoint (found {type(checkpoint).__name__})")
    if any(key.startswith(_AUTHORS_PREFIX) for key in checkpoint):
        result = convert_aflink_state_dict(checkpoint)
        if result.unmapped:
            raise ValueError(f"{path}: unknown AFLink keys {result.unmapped[:5]}")
        checkpoint = result.state_dict
    return checkpoint


def load_aflink_weights(model, path):
    """Load an AFLink checkpoint (ours, or the authors' converted on the fly) into ``model``.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: naming ``path``, if its weights do not fit ``model`` exactly.
    """
    state = _state_dict(path)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as err:
        raise ValueError(f"{path}: does not fit the AFLink model: {err}") from None
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="the authors' AFLink_epoch20.pth")
    parser.add_argument("output", help="d2track checkpoint to write (.pth)")
    args = parser.parse_args(argv)
    state = torch.load(args.input, map_location="cpu", weights_only=True)
    result = convert_aflink_state_dict(state)
    with atomic_open(args.output, "wb") as f:
        torch.save({"model": result.state_dict, "__author__": "StrongSORT"}, f)
    print(f"wrote {args.output}: {len(result.state_dict)} tensors, {len(result.unmapped)} unmapped")
    for key in result.unmapped:
        print(f"  unmapped: {key}")
    return 1 if result.unmapped else 0


if __name__ == "__main__":
    sys.exit(main())
