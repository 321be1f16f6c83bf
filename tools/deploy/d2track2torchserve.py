#!/usr/bin/env python
"""Package a d2track model (config + checkpoint) as a TorchServe model archive (.mar).

Example::

    tools/deploy/d2track2torchserve.py \\
        --config-file projects/ByteTrack/configs/bytetrack_faster_rcnn_tiny_synthetic_mot.py \\
        --weights output/bytetrack/model_final.pth --output-folder model_store \\
        --model-name bytetrack model.tracker.init_track_thr=0.6

The archive ``<output-folder>/<model-name>.mar`` holds the handler
(``tools/deploy/d2track_handler.py`` and ``d2track_handler_core.py``), the config with the
``key=value`` overrides applied, resolved and saved as YAML (``LazyConfig.save``: it needs no
config file, relative import or project folder at serving time, only an installed d2track), the
checkpoint, and ``d2track_model.json`` (the task: vid, mot, sot or vis, detected from the model
unless ``--task`` says). The checkpoint must hold the whole model: it is loaded here, with
d2track's checks, before anything is written, so an archive that packs a checkpoint of another
model is never made. A tracking model's ``detector_weights``/``reid_weights`` files are not
packed; the checkpoint gives those parts their weights. Without ``--weights``, a tracking model
is built from those files (checked as ``--eval-only`` checks them) and its weights are packed as
one whole-model checkpoint::

    tools/deploy/d2track2torchserve.py \
        --config-file projects/ByteTrack/configs/bytetrack_faster_rcnn_tiny_synthetic_mot.py \
        --output-folder model_store --model-name bytetrack \
        model.detector_weights=output/mot_detector/model_final.pth

Serve it with::

    torchserve --start --ncs --disable-token-auth --model-store model_store \\
        --models bytetrack=bytetrack.mar
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import logging
import os
import re
import tempfile
from pathlib import Path

from d2track_handler_core import MODEL_INFO, TASKS, VideoModel
from detectron2.config import LazyConfig
from detectron2.utils.logger import setup_logger

from d2track.checkpoint import CheckpointMismatchError, MissingWeightsError
from d2track.config import load_config
from d2track.utils.file_io import dump_json

logger = logging.getLogger("d2track")

HERE = Path(__file__).resolve().parent
HANDLER = HERE / "d2track_handler.py"
HANDLER_FILES = [HERE / "d2track_handler_core.py"]
CONFIG_NAME = "config.yaml"
# files a tracking model loads when it is built: the packed checkpoint replaces them
PART_WEIGHTS = ("detector_weights", "reid_weights")
MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-.]*")  # what TorchServe accepts


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config-file", required=True, metavar="FILE")
    parser.add_argument(
        "--weights",
        default=None,
        help="checkpoint (.pth) of the whole model (default: a tracking model's weights, built "
        "from its config's detector_weights/reid_weights)",
    )
    parser.add_argument("--output-folder", required=True, help="where <model-name>.mar goes")
    parser.add_argument("--model-name", required=True, help="the name TorchServe serves it as")
    parser.add_argument("--model-version", default="1.0")
    parser.add_argument("--task", choices=TASKS, default=None, help="default: from the model")
    parser.add_argument("--force", action="store_true", help="replace an existing archive")
    parser.add_argument("opts", nargs=argparse.REMAINDER, help="key=value config overrides")
    return parser.parse_args(argv)


def serving_config(config_file, overrides):
    """The config to pack: overrides applied, the model's part-weight files unset."""
    cfg = load_config(config_file, overrides)
    for key in PART_WEIGHTS:
        if cfg.model.get(key):
            logger.info(f"not packing model.{key}={cfg.model[key]}: --weights gives it")
            cfg.model[key] = ""
    return cfg


def save_config(cfg, path):
    """``LazyConfig.save`` to ``path``, checked: no pickle fallback (the handler reads YAML)."""
    LazyConfig.save(cfg, str(path))
    if os.path.exists(f"{path}.pkl") or not os.path.exists(path):
        raise SystemExit(
            "error: the config cannot be saved as YAML (it holds objects LazyConfig.save cannot "
            "write, e.g. a lambda or a class defined in the config file): move them to a module"
        )


def whole_model_weights(args, staging):
    """A tracking model built from its config's part-weight files, saved whole in ``staging``."""
    import torch

    cfg = load_config(args.config_file, args.opts)
    if not any(cfg.model.get(key) for key in PART_WEIGHTS):
        raise SystemExit(
            f"error: {args.config_file}: give --weights (a checkpoint of the whole model); only "
            "a tracking model with model.detector_weights/reid_weights files is built without it"
        )
    try:
        model = VideoModel.load(cfg, None).model  # the part files, loaded strictly
    except (CheckpointMismatchError, MissingWeightsError, FileNotFoundError) as e:
        raise SystemExit(f"error: {args.config_file}: {e}")
    path = staging / f"{args.model_name}_model.pth"
    torch.save({"model": model.state_dict()}, path)
    return str(path)


def check_model(args, config):
    """The task of the model the worker will build: the saved ``config`` with ``--weights``."""
    try:
        return VideoModel.load(str(config), args.weights, task=args.task).task
    except (CheckpointMismatchError, MissingWeightsError, ValueError) as e:
        raise SystemExit(f"error: {args.config_file} with --weights {args.weights}: {e}")


def archive(args, files, staging):
    """Write the .mar with torch-model-archiver into ``staging``; return its path."""
    from model_archiver import ModelArchiverConfig
    from model_archiver.model_packaging import generate_model_archive

    config = ModelArchiverConfig(
        model_name=args.model_name,
        handler=str(HANDLER),
        version=args.model_version,
        serialized_file=os.path.abspath(args.weights),
        extra_files=",".join(str(f) for f in files),
        export_path=str(staging),
        force=True,
    )
    # the archiver stages files in gettempdir()/<model-name> and deletes what is there: keep
    # two packagings of one name (two jobs on a machine) apart
    tempdir, tempfile.tempdir = tempfile.tempdir, str(staging)
    try:
        generate_model_archive(config)
    finally:
        tempfile.tempdir = tempdir
    return staging / f"{args.model_name}.mar"


def package(args):
    """Check the model, then write ``<output-folder>/<model-name>.mar`` atomically."""
    output = Path(args.output_folder) / f"{args.model_name}.mar"
    if output.exists() and not args.force:
        raise SystemExit(f"error: {output} exists (pass --force to replace it)")
    cfg = serving_config(args.config_file, args.opts)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=f".{args.model_name}.") as tmp:
        staging = Path(tmp)
        save_config(cfg, staging / CONFIG_NAME)
        if args.weights is None:
            args.weights = whole_model_weights(args, staging)
        task = check_model(args, staging / CONFIG_NAME)
        info = dict(task=task, config=CONFIG_NAME, weights=os.path.basename(args.weights))
        dump_json(info, staging / MODEL_INFO)
        files = [staging / CONFIG_NAME, staging / MODEL_INFO, *HANDLER_FILES]
        os.replace(archive(args, files, staging), output)
    logger.info(f"wrote {output} ({task} model)")
    return output


def main(argv=None):
    args = parse_args(argv)
    setup_logger(name="d2track")
    if args.weights is not None and not os.path.isfile(args.weights):
        raise SystemExit(f"error: --weights {args.weights}: no such file")
    if not MODEL_NAME.fullmatch(args.model_name):
        raise SystemExit(
            f"error: --model-name {args.model_name!r}: use letters, digits, '_', '-' and '.' "
            "(starting with a letter or digit)"
        )
    packed = [CONFIG_NAME, MODEL_INFO, *(f.name for f in HANDLER_FILES), HANDLER.name]
    if args.weights is not None and os.path.basename(args.weights) in packed:
        raise SystemExit(f"error: --weights: rename the file: the archive holds its own {packed}")
    return package(args)


if __name__ == "__main__":
    main()
