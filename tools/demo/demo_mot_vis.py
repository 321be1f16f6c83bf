#!/usr/bin/env python
"""Track objects in a video, a folder of frames, a camera or a stream with a MOT config (SORT,
DeepSORT, Tracktor, ByteTrack) or a VIS config (MaskTrack R-CNN) and draw the tracks (with their
masks for VIS models), one stable colour per ID, with Detectron2's Visualizer.

Examples::

    tools/demo/demo_mot_vis.py --config-file projects/ByteTrack/configs/<config>.py \\
        --weights model_final.pth --input video.mp4 --output tracked.mp4
    tools/demo/demo_mot_vis.py --config-file <config>.py --input 0 --show      # webcam 0
    tools/demo/demo_mot_vis.py --config-file <config>.py --input rtsp://host/stream --output out/
    tools/demo/demo_mot_vis.py \
        --config-file projects/MaskTrackRCNN/configs/masktrack_rcnn_tiny_800it_synthetic.py \
        --weights model_final.pth --input frames/ --output masks.mp4 --score-thr 0.3

``--weights`` loads a whole tracking model; without it the config's ``model.detector_weights``
(and ``model.reid_weights``) are used, e.g. ``model.detector_weights=output/det/model_final.pth``
as an override (``model.detector_weights=None`` runs a random detector on purpose; a model
without weights refuses to run). Frames are tracked one at a time as they are read
(:func:`d2track.engine.track_stream.track_stream`) and drawn at once, so a config's offline
``model.video_postprocessor`` (ByteTrack's MOT17 track interpolation) is not drawn: it applies to
the results ``tools/lazyconfig_train_net.py --eval-only`` writes and scores.

``--onnx detector.onnx`` detects with a graph exported from the same config
(``tools/deploy/export_onnx.py --network detector``) run by onnxruntime on the CPU, in place of
the PyTorch detector: same preprocessing, same Instances (to float precision); the ReID model or
the track head (on the graph's features) and the tracker run as without it. The detector needs
no checkpoint then (``model.detector_weights`` defaults to null); Tracktor (which regresses boxes
with the box head) and public detections need the PyTorch detector and are refused::

    tools/deploy/export_onnx.py \\
        --config-file projects/ByteTrack/configs/bytetrack_faster_rcnn_tiny_synthetic_mot.py \\
        --weights model_final.pth --network detector --output detector.onnx
    tools/demo/demo_mot_vis.py \\
        --config-file projects/ByteTrack/configs/bytetrack_faster_rcnn_tiny_synthetic_mot.py \\
        --onnx detector.onnx --input video.mp4 --output tracked.mp4
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import contextlib
import logging

import cv2
import numpy as np
import torch
import tqdm
from detectron2.config import instantiate
from detectron2.utils.logger import setup_logger

from d2track.checkpoint import add_allow_partial_argument, load_eval_weights
from d2track.config import load_config
from d2track.engine import resolve_device
from d2track.engine.show import draw_tracked
from d2track.engine.track_stream import open_stream, track_stream
from d2track.export import use_onnx_detector
from d2track.utils.demo_output import check_display, frame_sink, show_frame
from d2track.utils.video_io import open_frame_source

logger = logging.getLogger("d2track")

WINDOW = "d2track demo_mot_vis"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config-file", required=True, metavar="FILE")
    parser.add_argument("--weights", default="", help="checkpoint of the whole tracking model")
    parser.add_argument(
        "--input",
        required=True,
        help="a video file, a folder of frames (natural order of names), a camera index (0) or a "
        "stream URL OpenCV opens (rtsp://..., http://...)",
    )
    parser.add_argument(
        "--output", default=None, help="a .mp4 file (written atomically) or a folder for frames"
    )
    parser.add_argument("--frame-ext", choices=("jpg", "png"), default="jpg")
    parser.add_argument("--fps", type=float, default=None, help="of the .mp4 (default: input's)")
    parser.add_argument("--show", action="store_true", help="also show frames (q or Esc stops)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cfg.train.device)")
    parser.add_argument("--score-thr", type=float, default=0.0, help="min score to draw")
    parser.add_argument("--max-frames", type=int, default=None, help="stop after this many")
    parser.add_argument(
        "--onnx",
        default=None,
        metavar="FILE",
        help="an exported detector graph (tools/deploy/export_onnx.py) to detect with "
        "(onnxruntime, CPU) in place of the config's PyTorch detector",
    )
    add_allow_partial_argument(parser)
    parser.add_argument("opts", nargs=argparse.REMAINDER, help="key=value config overrides")
    args = parser.parse_args(argv)
    if not args.output and not args.show:
        parser.error("give --output, --show or both")
    return args


def load_model(args):
    """The tracking model of the config, on its device, in eval mode (its detector the
    ``--onnx`` graph if given); and the test mapper."""
    # with --onnx the graph holds the detector's weights (an override given after this wins)
    opts = ["model.detector_weights=null", *args.opts] if args.onnx else args.opts
    cfg = load_config(args.config_file, opts)
    device = args.device or cfg.get("train", {}).get("device", "cuda")
    model = instantiate(cfg.model).to(resolve_device(device)).eval()
    load_eval_weights(model, args.weights, allow_partial=args.allow_partial, source="--weights")
    if args.onnx:
        use_onnx_detector(model, args.onnx)
    mapper = cfg.dataloader.test.mapper
    return model, instantiate(mapper.augmentations), mapper.get("image_format", "BGR")


def draw(frame_bgr, instances, score_thr):
    """The frame (H, W, 3) BGR with the tracks scoring at least ``score_thr`` (and their
    ``pred_masks`` when the model segments), coloured by ID."""
    rgb = np.ascontiguousarray(frame_bgr[:, :, ::-1])
    return draw_tracked(rgb, instances, score_thr=score_thr)[:, :, ::-1]


def _source_info(source):
    """(number of frames or None, fps or None) of a file or folder input; None for live ones."""
    if isinstance(source, str) and not source.isdigit() and "://" not in source:
        frames = open_frame_source(source)  # errors on a missing input or an empty folder
        return len(frames), frames.fps
    return None, None


def main(argv=None):
    args = parse_args(argv)
    setup_logger(name="d2track")
    total, fps = _source_info(args.input)
    frames = open_stream(args.input)
    if args.show:
        check_display(WINDOW)
    model, augmentations, image_format = load_model(args)
    stream = track_stream(frames, model, augmentations=augmentations, image_format=image_format)
    if args.output:
        sink = frame_sink(args.output, fps=args.fps or fps or 25.0, frame_ext=args.frame_ext)
    else:
        sink = contextlib.nullcontext(lambda index, image: None)
    count = 0
    with torch.no_grad(), sink as write:
        for frame, instances in tqdm.tqdm(stream, total=total, unit="frame"):
            image = draw(frame, instances, args.score_thr)
            write(count, image)
            count += 1
            if args.show and not show_frame(WINDOW, image):
                logger.info(f"stopped from the window after frame {count}")
                break
            if args.max_frames and count >= args.max_frames:
                break
    if args.show:
        cv2.destroyWindow(WINDOW)
    logger.info(f"tracked {count} frames" + (f", wrote {args.output}" if args.output else ""))


if __name__ == "__main__":
    main()
