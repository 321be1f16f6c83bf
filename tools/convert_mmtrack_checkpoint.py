#!/usr/bin/env python
"""Convert an MMTracking 0.x checkpoint to a Detectron2 checkpoint for d2track's models.

Examples::

    tools/convert_mmtrack_checkpoint.py selsa_r50_dc5.pth selsa_d2.pth --method selsa
    tools/convert_mmtrack_checkpoint.py faster_rcnn_r50_dc5.pth detector_d2.pth
    tools/convert_mmtrack_checkpoint.py sot_resnet50.model init.pth --method siamrpn --imagenet
    tools/convert_mmtrack_checkpoint.py faster-rcnn_r50_fpn_4e_mot17-half-64ee2ed4.pth \
        mot17_half_detector.pth --method mot_detector
    tools/convert_mmtrack_checkpoint.py reid_r50_6e_mot17-4bf6b63d.pth mot17_reid.pth --method reid

MOT (``d2track.checkpoint.mmtrack_mot``, built in): ``--method mot_detector`` converts the
Faster R-CNN R50-FPN of MMTracking's SORT/DeepSORT/Tracktor configs (MMDetection keys, with or
without ``detector.``) into a ``model.detector_weights`` file, ``--method reid`` its ReID model
(``BaseReID`` keys, with or without ``reid.``) into a ``model.reid_weights`` file, and ``--method
mot`` a whole model with both into a tracking-model checkpoint; they replace the VID detector
rules. The detector then needs MMDetection's input and ResNet style
(``d2track.checkpoint.MMDET_DETECTOR_OVERRIDES``; the overrides are listed in
``projects/SORT/README.md``).

The output ``{"model": ..., "__author__": "mmtracking", "matching_heuristics": False}`` loads
with ``DetectionCheckpointer(model).load(OUTPUT)``. Detector keys are renamed by
``d2track.checkpoint.mmtrack.detector_rules``; ``--method`` imports the project package
``d2track.projects.<method>`` (any ``projects/*/<method>/``, see ``d2track.projects``), which
registers its table, and adds that table. Keys no rule matches are listed and left out;
``--strict`` then exits with status 1. A bad input file prints one line naming it and exits with
status 2.
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import importlib
import pickle
import sys

import torch
from tabulate import tabulate

from d2track.checkpoint.mmtrack import (
    convert_mmtrack_state_dict,
    imagenet_resnet_rules,
    method_rules,
)
from d2track.checkpoint.mmtrack_mot import MOT_METHODS
from d2track.projects import discover_projects
from d2track.utils.file_io import atomic_open
from d2track.utils.input_files import InputFileError, require_file


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="MMTracking checkpoint (.pth with 'state_dict')")
    parser.add_argument("output", help="Detectron2 checkpoint to write (.pth)")
    parser.add_argument(
        "--method",
        choices=sorted({*discover_projects(), *MOT_METHODS}),
        help="add the rules of this project package (projects/*/METHOD/; more roots in "
        "$D2TRACK_PROJECTS), or use the built-in MOT rules (mot_detector, reid, mot) alone",
    )
    parser.add_argument(
        "--imagenet",
        action="store_true",
        help="INPUT is an ImageNet ResNet state dict (torchvision resnet50.pth): write the "
        "backbone initialisation of the VID configs (train.init_checkpoint); with --method, "
        "that method's rules map it (--method siamrpn: pysot's sot_resnet50.model)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 if any key is unmapped")
    parser.add_argument(
        "--unsafe-load",
        action="store_true",
        help="unpickle arbitrary objects (weights_only=False); only for trusted files",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on bad input")
    return parser.parse_args(argv)


def load_state_dict(path, *, unsafe=False, imagenet=False):
    """Read ``checkpoint["state_dict"]`` of an MMTracking checkpoint (or, with ``imagenet``, a
    plain state dict as torchvision saves it).

    Raises:
        InputFileError: naming ``path`` if it is missing, unreadable or has no state dict.
    """
    require_file(path, "checkpoint")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=not unsafe)
    except pickle.UnpicklingError as e:
        hint = "" if unsafe else " (if you trust the file, retry with --unsafe-load)"
        raise InputFileError(path, f"cannot unpickle: {str(e).splitlines()[0]}{hint}")
    except (RuntimeError, EOFError) as e:
        raise InputFileError(path, f"not a torch checkpoint: {str(e).splitlines()[0]}")
    state = checkpoint.get("state_dict") if isinstance(checkpoint, dict) else None
    if state is None and imagenet and isinstance(checkpoint, dict):
        state = checkpoint  # torchvision files are the state dict itself
    if not isinstance(state, dict):
        found = sorted(checkpoint)[:10] if isinstance(checkpoint, dict) else type(checkpoint)
        raise InputFileError(
            path, f"no 'state_dict' dict (found {found}): not an MMTracking checkpoint?"
        )
    bad = [key for key, value in state.items() if not torch.is_tensor(value)]
    if bad:
        raise InputFileError(path, f"state_dict[{bad[0]!r}] is not a tensor")
    return state


def main(argv=None):
    args = parse_args(argv)
    try:
        state = load_state_dict(args.input, unsafe=args.unsafe_load, imagenet=args.imagenet)
    except (ValueError, OSError) as e:
        if args.debug:
            raise
        print(f"error: {e}", file=sys.stderr)
        return 2
    extra = imagenet_resnet_rules() if args.imagenet else ()
    if args.method in MOT_METHODS:
        extra = method_rules(args.method)
    elif args.method:
        importlib.import_module(f"d2track.projects.{args.method}")  # registers its rules
        try:
            extra = method_rules(args.method)
        except KeyError:
            print(
                f"warning: d2track.projects.{args.method} registers no conversion rules yet: "
                "its method keys are listed as unmapped",
                file=sys.stderr,
            )
            extra = ()
    result = convert_mmtrack_state_dict(
        state, extra_rules=extra, with_detector=args.method not in MOT_METHODS
    )
    checkpoint = {
        "model": result.state_dict,
        "__author__": "torchvision" if args.imagenet else "mmtracking",
        "matching_heuristics": False,
    }
    with atomic_open(args.output, "wb") as f:
        torch.save(checkpoint, f)
    print(
        f"wrote {args.output}: {len(result.state_dict)} tensors converted, "
        f"{len(result.dropped)} dropped (BatchNorm counters, classifier), "
        f"{len(result.unmapped)} unmapped"
    )
    if result.unmapped:
        rows = [(key, tuple(state[key].shape)) for key in result.unmapped]
        print(tabulate(rows, headers=["unmapped MMTracking key", "shape"]))
    return 1 if args.strict and result.unmapped else 0


if __name__ == "__main__":
    sys.exit(main())
