#!/usr/bin/env python
"""Strip a training checkpoint down to what inference needs and name it by its hash, as MMTracking
0.x's ``publish_model.py``.

Example::

    tools/model_converters/publish_model.py output/run/model_final.pth selsa_synthetic.pth
    # prints and writes selsa_synthetic-1a2b3c4d.pth (the first 8 hex digits of its sha256)

A checkpoint that ``tools/lazyconfig_train_net.py`` writes (Detectron2's ``Checkpointer``,
d2track's :class:`~d2track.checkpoint.AtomicCheckpointer`) holds ``model`` (the weights),
``optimizer``, ``iteration`` and ``trainer`` (its iteration, optimizer, and the hooks' states:
the LR scheduler's, and :class:`~d2track.engine.resume.ResumeStateHook`'s random states and
train loader position of every process), plus ``scheduler`` when a checkpointer was given one.
The published file keeps ``model`` and, where present, ``__author__`` and
``matching_heuristics``: those two change how Detectron2's ``DetectionCheckpointer`` loads the
weights (name-matching heuristics for model-zoo and converted files), so dropping them would
change what loads. Everything else only resumes training and is dropped (listed on output).

The file is written atomically under ``OUT``'s stem, ``-``, the first 8 hex digits of the sha256
of its bytes, and ``OUT``'s suffix; ``OUT`` itself is never written. A bad input prints one line
naming it and exits with status 2.
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import hashlib
import io
import os
import pickle
import re
import sys

import torch

from d2track.utils.file_io import atomic_open
from d2track.utils.input_files import InputFileError

#: the entries of a checkpoint that inference reads
KEPT = ("model", "__author__", "matching_heuristics")


def load_checkpoint(path):
    """The checkpoint dict at ``path`` (tensors on the CPU), checked to hold ``model`` weights.

    Raises:
        InputFileError: naming ``path`` if it is missing, unreadable or has no ``model`` dict of
            tensors.
    """
    if not os.path.isfile(path):
        raise InputFileError(path, "no such checkpoint file")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        found = re.search(r"Unsupported global: GLOBAL (\S+)", str(e))
        what = f": it holds a {found.group(1)} object" if found else ""
        raise InputFileError(
            path, f"not a torch checkpoint of tensors and plain data{what}"
        ) from None
    except (RuntimeError, EOFError) as e:
        detail = str(e).splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputFileError(path, f"not a torch checkpoint: {detail}") from None
    model = checkpoint.get("model") if isinstance(checkpoint, dict) else None
    if not isinstance(model, dict):
        found = sorted(checkpoint)[:10] if isinstance(checkpoint, dict) else type(checkpoint)
        raise InputFileError(path, f"no 'model' dict (found {found}): not a Detectron2 checkpoint")
    bad = [key for key, value in model.items() if not torch.is_tensor(value)]
    if bad:
        raise InputFileError(path, f"model[{bad[0]!r}] is not a tensor")
    return checkpoint


def published_path(out, data):
    """``OUT``'s stem + ``-`` + the first 8 hex digits of ``sha256(data)`` + ``OUT``'s suffix."""
    stem, suffix = os.path.splitext(out)
    return f"{stem}-{hashlib.sha256(data).hexdigest()[:8]}{suffix}"


def publish(checkpoint, out):
    """Write the inference entries of ``checkpoint`` atomically; return the final path."""
    buffer = io.BytesIO()
    torch.save({key: checkpoint[key] for key in KEPT if key in checkpoint}, buffer)
    data = buffer.getvalue()  # hashed before writing: the name is known before the file exists
    final = published_path(out, data)
    with atomic_open(final, "wb") as f:
        f.write(data)
    return final


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("input", metavar="IN", help="a training checkpoint (.pth)")
    parser.add_argument("output", metavar="OUT", help="the name to publish under (.pth)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        checkpoint = load_checkpoint(args.input)
    except ValueError as e:  # InputFileError: the message names the file
        print(f"error: {e}", file=sys.stderr)
        return 2
    final = publish(checkpoint, args.output)
    dropped = sorted(set(checkpoint) - set(KEPT))
    print(f"dropped: {', '.join(dropped) or '(nothing)'}", file=sys.stderr)
    print(final)
    return 0


if __name__ == "__main__":
    sys.exit(main())
