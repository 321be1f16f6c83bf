#!/usr/bin/env python
"""Export the per-frame networks of a d2track config to ONNX and check them with onnxruntime.

Examples::

    # every network of the config into a folder (here detector.onnx and reid.onnx), checked
    tools/deploy/export_onnx.py \\
        --config-file projects/DeepSORT/configs/deepsort_faster_rcnn_tiny_synthetic_mot.py \\
        --weights model_final.pth --output onnx/ --check
    # one network into a file, checked on the first frame of a video
    tools/deploy/export_onnx.py --config-file configs/vid/faster_rcnn_tiny_400it_synthetic.py \\
        --weights model_final.pth --network detector --output detector.onnx \\
        --check --input video.mp4
    # track with the exported detector (the tracker stays in numpy)
    tools/demo/demo_mot_vis.py \\
        --config-file projects/DeepSORT/configs/deepsort_faster_rcnn_tiny_synthetic_mot.py \\
        --weights model_final.pth --onnx onnx/detector.onnx --input video.mp4 --output out.mp4

The networks of each kind of config (``d2track/export/wrappers.py`` documents their inputs and
outputs): a detector config (VID single-frame, MOT detector) and a multi-frame VID config (SELSA,
FGFA, DFF, Temporal RoI Align: its single-frame path, without references) export ``detector``;
a ReID config ``reid``; a MOT tracking model ``detector`` (+ ``reid``); MaskTrack R-CNN
``detector`` (boxes, scores, classes, mask-head masks and the features of the track head) and
``track_head``; SiamRPN++ ``template`` and ``search``. Trackers and memories stay in Python.
Without ``--network`` every network of the config is exported.

Graphs are traced with Detectron2's ``TracingAdapter`` on a sample input made from a real frame
(``--input``: an image, a video or a folder of frames, its first frame; default: the first frame
of the config's test split) and written by ``torch.onnx.export`` (TorchScript exporter, opset 17).
The detector takes the test mapper's image (resized, in the config's ``image_format``) with any
H and W; its boxes are in that image's coordinates. ``--check`` runs each graph with onnxruntime
(CPU) and PyTorch on that frame and on a narrower crop of it (other sizes for dynamic axes),
prints max |PyTorch - ONNX| per output, and exits with status 1 if one exceeds
``--atol + --rtol * max |PyTorch|`` of that output.
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import logging
import os

import cv2
import torch
from detectron2.config import instantiate
from detectron2.data import DatasetCatalog
from detectron2.utils.logger import setup_logger

from d2track.checkpoint import add_allow_partial_argument, load_eval_weights
from d2track.config import load_config
from d2track.export import (
    OPSET,
    check_onnx,
    export_networks,
    export_onnx,
    frame_preprocessor,
    network_names,
    sample_inputs,
)
from d2track.utils.video_io import IMAGE_EXTENSIONS, open_frame_source

logger = logging.getLogger("d2track")

NETWORKS = ("detector", "reid", "track_head", "template", "search")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config-file", required=True, metavar="FILE")
    parser.add_argument("--weights", default="", help="checkpoint of the config's model")
    parser.add_argument(
        "--output",
        required=True,
        help="a folder (<network>.onnx in it) or, for one network, a file",
    )
    parser.add_argument(
        "--network",
        action="append",
        choices=NETWORKS,
        help="network to export (repeatable; default: every network of the config)",
    )
    parser.add_argument("--check", action="store_true", help="compare with PyTorch (onnxruntime)")
    parser.add_argument("--input", default=None, help="image, video or folder for the sample")
    parser.add_argument("--atol", type=float, default=1e-4, help="allowed max |difference|")
    parser.add_argument("--rtol", type=float, default=0.0, help="plus rtol x max |PyTorch value|")
    parser.add_argument("--opset", type=int, default=OPSET, help="ONNX opset (>= 16)")
    add_allow_partial_argument(parser)
    parser.add_argument("opts", nargs=argparse.REMAINDER, help="key=value config overrides")
    return parser.parse_args(argv)


def load_model(args):
    """The config, its model on the CPU in eval mode with its weights, and a test preprocessor."""
    cfg = load_config(args.config_file, args.opts)
    model = instantiate(cfg.model).to("cpu").eval()
    load_eval_weights(model, args.weights, allow_partial=args.allow_partial, source="--weights")
    return cfg, model, frame_preprocessor(cfg)


def select_networks(model, requested, config_file):
    """The requested network names (all of the model's by default), checked against the model."""
    available = network_names(model)
    if not available:
        raise SystemExit(f"error: {config_file}: {type(model).__name__} has no exportable network")
    unknown = [n for n in requested or [] if n not in available]
    if unknown:
        raise SystemExit(
            f"error: {config_file} ({type(model).__name__}) has no {', '.join(unknown)} network; "
            f"its networks: {', '.join(available)}"
        )
    return list(dict.fromkeys(requested)) if requested else available


def output_paths(output, names):
    """``{network: .onnx path}``: a file for one network, else ``<folder>/<network>.onnx``."""
    if output.endswith(".onnx"):
        if len(names) != 1:
            raise SystemExit(
                f"error: --output {output} is one file for {len(names)} networks "
                f"({', '.join(names)}): give a folder or one --network"
            )
        return {names[0]: output}
    return {name: os.path.join(output, f"{name}.onnx") for name in names}


def _read_frame(path):
    if os.path.isfile(path) and path.lower().endswith(IMAGE_EXTENSIONS):
        frame = cv2.imread(path, cv2.IMREAD_COLOR)
        if frame is None:
            raise ValueError(f"--input {path}: OpenCV cannot read this image")
        return frame
    frames = open_frame_source(path)  # errors name a missing path
    if len(frames) == 0:
        raise ValueError(f"--input {path}: no frames")
    return frames[0]


def _test_split_file(cfg, config_file):
    test = cfg.dataloader.test
    node = test.get("dataset_dicts", None) or test.get("dataset", None) or {}
    names = node.get("names", None) or node.get("name", None)
    if not names:
        raise SystemExit(f"error: {config_file}: no dataloader.test dataset; give --input")
    name = names if isinstance(names, str) else names[0]
    logger.info(f"sample input: the first frame of {name}")
    return DatasetCatalog.get(name)[0]["file_name"]


def sample_frames(cfg, args):
    """The BGR frame the graphs are traced on, and a narrower crop of it to check other sizes."""
    frame = _read_frame(args.input or _test_split_file(cfg, args.config_file))
    return frame, frame[:, : max(frame.shape[1] * 3 // 4, 1)].copy()


def report(name, diffs, atol, rtol):
    """Print one line per output; return the names of the outputs above tolerance."""
    bad = []
    for d in diffs:
        over = d.max_abs_diff > atol + rtol * d.max_abs_value
        bad += [d.name] if over else []
        shape = "x".join(map(str, d.torch_shape)) or "scalar"
        print(
            f"  {name}/{d.name:<22} {shape:<16} max|diff| {d.max_abs_diff:.3g} "
            f"(max|value| {d.max_abs_value:.3g}){'  > tolerance' if over else ''}"
        )
        if d.torch_shape != d.onnx_shape:
            print(f"    shapes differ: PyTorch {d.torch_shape}, ONNX {d.onnx_shape}")
    if name == "detector" and any(d.name == "boxes" and not d.torch_shape[0] for d in diffs):
        logger.warning("no detections to compare: lower the score threshold for the check")
    return bad


def export_and_check(network, path, frames, args):
    """Export ``network`` to ``path``; with ``--check``, its differences per check frame."""
    export_onnx(
        network,
        sample_inputs(network, frames[0]),
        path,
        opset=args.opset,
        metadata={"d2track.config": args.config_file},
    )
    print(f"{network.name}: wrote {path}")
    if not args.check:
        return []
    return [check_onnx(path, network, sample_inputs(network, frame)) for frame in frames]


def main(argv=None):
    args = parse_args(argv)
    setup_logger(name="d2track")
    cfg, model, preprocess = load_model(args)
    names = select_networks(model, args.network, args.config_file)
    paths = output_paths(args.output, names)
    frames = sample_frames(cfg, args)
    networks = export_networks(model, preprocess=preprocess)
    results, failed = {}, []
    with torch.no_grad():
        for name in names:
            results[name] = export_and_check(networks[name], paths[name], frames, args)
            for label, diffs in zip(("the sample frame", "a narrower crop"), results[name]):
                print(f"{name} on {label}:")
                failed += [f"{name}/{o}" for o in report(name, diffs, args.atol, args.rtol)]
    if failed:
        raise SystemExit(
            f"error: ONNX and PyTorch differ by more than atol={args.atol:g} + "
            f"rtol={args.rtol:g} x max|value| in {', '.join(sorted(set(failed)))}"
        )
    return {"paths": paths, "diffs": results}


if __name__ == "__main__":
    main()
