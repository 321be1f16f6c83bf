#!/usr/bin/env python
"""Detect objects in a video with a video detector (DFF, FGFA, SELSA, Temporal RoI Align) and draw
them with Detectron2's Visualizer.

Example::

    tools/demo/demo_vid.py \\
        --config-file projects/SELSA/configs/selsa_faster_rcnn_r50_dc5_7e_imagenetvid.py \\
        --weights model_final.pth --input video.mp4 --output out.mp4 --score-thr 0.5

Frames go to the model one at a time, in order, with the reference frames that the model's test
sampler (``model.memory.sampler``, a ``RefSampler(method="test_with_...")``) gives, preprocessed as
the config's test mapper; see :mod:`d2track.utils.video_io` for how frames are read lazily.
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import logging

import cv2
import numpy as np
import torch
import tqdm
from detectron2.config import instantiate
from detectron2.data.catalog import Metadata
from detectron2.utils.logger import setup_logger

from d2track.checkpoint import add_allow_partial_argument, load_weights
from d2track.config import load_config
from d2track.engine import resolve_device
from d2track.engine.show import draw_detections
from d2track.engine.video_predictor import VideoPredictor, find_thing_classes
from d2track.utils.demo_output import check_display, frame_sink, show_frame
from d2track.utils.video_io import open_frame_source

logger = logging.getLogger("d2track")

WINDOW = "d2track demo_vid"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config-file", required=True, metavar="FILE")
    parser.add_argument("--weights", required=True, help="checkpoint (.pth) to load")
    parser.add_argument(
        "--input",
        required=True,
        help="a video file OpenCV can read, or a folder of frames (.jpg, .png, ...) taken in "
        "natural order of their names (frame2 before frame10)",
    )
    parser.add_argument(
        "--output",
        required=True,
        help="a .mp4 file (written atomically), or a folder for numbered frames 000000.jpg, ...",
    )
    parser.add_argument("--frame-ext", choices=("jpg", "png"), default="jpg")
    parser.add_argument("--fps", type=float, default=None, help="of the .mp4 (default: input's)")
    parser.add_argument("--show", action="store_true", help="also show frames (q or Esc stops)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cfg.train.device)")
    parser.add_argument("--score-thr", type=float, default=0.5, help="min score to draw")
    parser.add_argument(
        "--ref-sampler",
        choices=("config", "online"),
        default="config",
        help="config: the model's test sampler (model.memory.sampler); online: past frames only "
        "(sets model.memory.sampler=None)",
    )
    add_allow_partial_argument(parser)
    parser.add_argument("opts", nargs=argparse.REMAINDER, help="key=value config overrides")
    return parser.parse_args(argv)


def load_predictor(args):
    cfg = load_config(args.config_file, args.opts)
    if args.ref_sampler == "online":
        cfg.model.memory.sampler = None
    device = args.device or cfg.get("train", {}).get("device", "cuda")
    model = instantiate(cfg.model).to(resolve_device(device)).eval()
    load_weights(model, args.weights, allow_partial=args.allow_partial)
    classes = find_thing_classes(cfg.dataloader.test)
    metadata = Metadata(thing_classes=list(classes)) if classes else Metadata()
    return VideoPredictor.from_config(cfg, model), metadata


def draw(frame_bgr, instances, metadata, score_thr):
    """The frame (H, W, 3) BGR with the instances scoring at least ``score_thr``."""
    rgb = np.ascontiguousarray(frame_bgr[:, :, ::-1])
    classes = metadata.get("thing_classes", None)
    return draw_detections(rgb, instances, score_thr=score_thr, thing_classes=classes)[:, :, ::-1]


def run(predictor, source, metadata, args, write):
    """Draw every frame and hand it to ``write(index, image)`` (and the window with --show)."""
    for index, frame, instances in tqdm.tqdm(predictor(source), total=len(source), unit="frame"):
        image = draw(frame, instances, metadata, args.score_thr)
        write(index, image)
        if args.show and not show_frame(WINDOW, image):
            logger.info(f"stopped from the window after frame {index}")
            return


def main(argv=None):
    args = parse_args(argv)
    setup_logger(name="d2track")
    source = open_frame_source(args.input)  # errors on a missing input or an empty folder
    if args.show:
        check_display(WINDOW)
    predictor, metadata = load_predictor(args)
    fps = args.fps or source.fps or 25.0
    with torch.no_grad(), frame_sink(args.output, fps=fps, frame_ext=args.frame_ext) as write:
        run(predictor, source, metadata, args, write)
    if args.show:
        cv2.destroyWindow(WINDOW)
    logger.info(f"wrote {len(source)} frames to {args.output}")


if __name__ == "__main__":
    main()
