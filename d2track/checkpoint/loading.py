"""Checked checkpoint loading: a checkpoint of another model is an error, not a warning.

Detectron2's ``DetectionCheckpointer`` loads the keys that match and only logs the others: right
for initialising training from a backbone, wrong when a model is about to be evaluated or run
(``--eval-only``, the demos, ``model.detector_weights``), where a detector with none of its
weights still produces boxes. Everything here loads through ``DetectionCheckpointer`` (its key
renaming and matching heuristics for Detectron2 model zoo and Caffe2 files are kept) and then
checks what it loaded:

* :func:`load_weights` (inference): every weight of the model (parameters and persistent buffers)
  must be in the checkpoint with the model's shape, else :class:`CheckpointMismatchError` names
  the file, the count found and the first missing and mis-shaped keys. ``allow_partial=True``
  (``--allow-partial`` in the tools) keeps Detectron2's warnings instead.
* :func:`resume_or_load` (training init): a partial match keeps Detectron2's warnings (backbone
  initialisation is partial on purpose); a checkpoint that matches nothing is an error.
* Keys of the checkpoint that the model lacks are only warned about, by Detectron2: every weight
  of the model still got a value, and checkpoints often carry parts the model does not build
  (a whole tracking model's ReID weights loaded into a model without ReID, old anchor buffers).
* A missing file is a ``FileNotFoundError`` naming it (Detectron2 asserts, or with an empty path
  silently loads nothing); a file that cannot be read is a
  :class:`~d2track.checkpoint.CheckpointLoadError` naming it.

A model may define ``check_weights()`` that raises when some of its parts have no weights
(:class:`~d2track.modeling.meta_arch.TrackingByDetection`); :func:`load_eval_weights` calls it.
"""

import os

from torch import nn

from .atomic import AtomicCheckpointer

__all__ = [
    "CheckpointMismatchError",
    "MissingWeightsError",
    "add_allow_partial_argument",
    "load_eval_weights",
    "load_weights",
    "resume_or_load",
]

_SHOWN = 5  # keys listed per kind in an error
_ALLOW_PARTIAL_HINT = "pass --allow-partial to load it anyway"


class CheckpointMismatchError(RuntimeError):
    """A checkpoint does not hold the weights of the model it is loaded into."""


class MissingWeightsError(RuntimeError):
    """A model is about to run without weights that nobody asked to be random."""


def load_weights(model, path, *, allow_partial=False, hint=_ALLOW_PARTIAL_HINT):
    """Load a checkpoint for inference: every model weight must be in it, with its shape.

    Args:
        model (nn.Module): the model (DDP-wrapped or not).
        path (str): a local file or a URL Detectron2's ``PathManager`` opens
            (``detectron2://...``, ``https://...``).
        allow_partial (bool): load what matches, possibly nothing, and only warn (Detectron2's
            behaviour).
        hint (str): how the user allows a partial load, for the error message.

    Returns:
        dict: the checkpoint's other entries (``iteration``, ...), as ``Checkpointer.load``.

    Raises:
        FileNotFoundError: ``path`` is empty or no such file.
        CheckpointMismatchError: some weights of the model are missing or mis-shaped.
    """
    _check_path(path)
    require = "none" if allow_partial else "all"
    return _CheckedCheckpointer(model, path=path, require=require, hint=hint).load(path)


def load_eval_weights(model, path, *, allow_partial=False, source="train.init_checkpoint"):
    """The weights of a model about to be evaluated or run (``--eval-only``, demos).

    With ``path``, :func:`load_weights`. Without, the model must hold its weights from its config
    (a model with ``check_weights()``, e.g. a tracking model with ``detector_weights``), unless
    ``allow_partial`` (random weights on purpose). Then the model's ``check_weights()`` runs.

    Args:
        model (nn.Module): the model (DDP-wrapped or not).
        path (str): a checkpoint, or "" for none.
        allow_partial (bool): as :func:`load_weights`; also allows no checkpoint at all.
        source (str): where ``path`` comes from (``--weights``), for the error message.

    Raises:
        MissingWeightsError: no checkpoint for a model without ``check_weights``, or what its
            ``check_weights`` raises.
        CheckpointMismatchError: a checkpoint that does not fit (see :func:`load_weights`).
    """
    module = _unwrap(model)
    has_check = callable(getattr(module, "check_weights", None))
    if path:
        load_weights(model, path, allow_partial=allow_partial)
    elif not has_check and not allow_partial:
        raise MissingWeightsError(
            f"No checkpoint given: {type(module).__name__} would run with random weights. Set "
            f"{source}=PATH, or pass --allow-partial to run random weights on purpose."
        )
    if has_check:
        module.check_weights()


def resume_or_load(checkpointer, path, *, resume):
    """``checkpointer.resume_or_load`` that fails when the init checkpoint matches nothing.

    Resuming (``resume`` and a last checkpoint in the output folder) loads it as Detectron2 does.
    Otherwise ``path`` initialises the model: a partial match logs Detectron2's warnings, no
    match at all is an error; "" trains from scratch.

    Args:
        checkpointer (DetectionCheckpointer): the trainer's checkpointer.
        path (str): ``train.init_checkpoint``.
        resume (bool): ``--resume``.

    Returns:
        dict: as ``Checkpointer.resume_or_load``.
    """
    if (resume and checkpointer.has_checkpoint()) or not path:
        return checkpointer.resume_or_load(path, resume=resume)
    _check_path(path)
    hint = 'set train.init_checkpoint="" to train from scratch'
    loader = _CheckedCheckpointer(checkpointer.model, path=path, require="any", hint=hint)
    return loader.load(path, checkpointables=[])


def add_allow_partial_argument(parser):
    """Add ``--allow-partial`` (see :func:`load_weights`) to an ``argparse`` parser; return it."""
    parser.add_argument(
        "--allow-partial",
        action="store_true",
        help="load a checkpoint that lacks some weights of the model (or has other shapes), "
        "with warnings, instead of failing; without a checkpoint, run random weights",
    )
    return parser


class _CheckedCheckpointer(AtomicCheckpointer):
    """``DetectionCheckpointer`` that checks the keys it loaded before anything else runs.

    ``require``: "all" (every model weight), "any" (at least one, when the model has any) or
    "none" (no check: Detectron2's warnings).
    """

    def __init__(self, model, *, path, require, hint):
        super().__init__(model)
        self._path, self._require, self._hint = path, require, hint

    def _load_model(self, checkpoint):
        incompatible = super()._load_model(checkpoint)
        _check_loaded(self.model, incompatible, self._path, self._require, self._hint)
        return incompatible


def _check_loaded(model, incompatible, path, require, hint):
    expected = list(model.state_dict())
    # Mis-shaped keys were dropped before loading, so they are in missing_keys too.
    missing = set(incompatible.missing_keys)
    found = sum(key not in missing for key in expected)
    if require == "none" or found == len(expected) or (require == "any" and found):
        return
    wrong = {k: f"{k} (checkpoint {c}, model {m})" for k, c, m in incompatible.incorrect_shapes}
    lines = [
        f"{found} of {len(expected)} model weights found in {path}.",
        _listing("missing", [k for k in expected if k in missing and k not in wrong]),
        _listing("of another shape", list(wrong.values())),
        _listing("in the checkpoint only", list(incompatible.unexpected_keys)),
        f"Is it a checkpoint of another model? Otherwise {hint}.",
    ]
    raise CheckpointMismatchError("\n".join(line for line in lines if line))


def _listing(kind, keys):
    if not keys:
        return ""
    more = f", ... ({len(keys) - _SHOWN} more)" if len(keys) > _SHOWN else ""
    return f"  {len(keys)} {kind}: " + ", ".join(keys[:_SHOWN]) + more


def _check_path(path):
    if not path:
        raise FileNotFoundError("No checkpoint path given (an empty path loads nothing)")
    if "://" not in path and not os.path.isfile(path):
        raise FileNotFoundError(f"Checkpoint {path} does not exist")


def _unwrap(model):
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model
