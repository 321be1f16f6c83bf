#!/usr/bin/env python
"""Track one or several targets in a video or a folder of frames with a single object tracking
config (SiameseRPN++) and draw them with Detectron2's Visualizer.

Examples::

    tools/demo/demo_sot.py --config-file projects/SiamRPNpp/configs/<config>.py \\
        --weights model_final.pth --input video.mp4 --output tracked.mp4 --init-box 120,80,40,60
    # two targets, tracked in one batched call per frame; x,y,w,h results per target
    tools/demo/demo_sot.py --config-file <config>.py --weights model_final.pth \\
        --input frames/ --output out/ --init-box 10,20,30,40 --init-box 200,50,25,25 \\
        --results results/
    # the first line of a ground-truth file (x,y,w,h or a VOT polygon)
    tools/demo/demo_sot.py ... --input video/img --gt video/groundtruth.txt --output out.mp4
    # draw the boxes on the first frame (needs a display)
    tools/demo/demo_sot.py ... --input video.mp4 --show

All targets start on the first frame and are tracked by the config's ``model.tracker`` with the
model as its network, one ``init`` and then one ``track`` call per frame for all of them. Each
target keeps one colour (its ID's, as in the MOT demo); where the tracker reports it not
``visible`` (occluded, out of view, lost) its box is the last one it was visible in, drawn dashed
with a "lost" label. ``--results DIR`` writes ``DIR/target_<k>.txt`` (one ``x,y,w,h`` line per
frame, the format of the SOT evaluators) and ``DIR/visible/target_<k>.txt`` (one 0/1 per frame,
what ``tools/evaluate_results.py sot --visible-dir`` reads).
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import contextlib
import logging
import os

import cv2
import numpy as np
import torch
import tqdm
from detectron2.config import instantiate
from detectron2.utils.logger import setup_logger

from d2track.checkpoint import add_allow_partial_argument, load_eval_weights
from d2track.config import load_config
from d2track.engine import resolve_device
from d2track.engine.show import draw_single_targets
from d2track.engine.video_tasks import track_single_targets
from d2track.engine.vot_protocol import vot_init_box
from d2track.evaluation.sot.txt_io import read_boxes
from d2track.utils.box_args import parse_xywh_box, valid_xywh_box
from d2track.utils.demo_output import check_display, frame_sink, show_frame
from d2track.utils.file_io import atomic_open
from d2track.utils.video_io import open_frame_source

logger = logging.getLogger("d2track")

WINDOW = "d2track demo_sot"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config-file", required=True, metavar="FILE")
    parser.add_argument("--weights", default="", help="checkpoint (.pth) of the SOT model")
    parser.add_argument(
        "--input",
        required=True,
        help="a video file OpenCV can read, or a folder of frames (.jpg, .png, ...) taken in "
        "natural order of their names (frame2 before frame10)",
    )
    parser.add_argument(
        "--output", default=None, help="a .mp4 file (written atomically) or a folder for frames"
    )
    parser.add_argument(
        "--init-box",
        action="append",
        type=parse_xywh_box,
        default=[],
        metavar="X,Y,W,H",
        help="a target on the first frame, in pixels; repeat for several targets",
    )
    parser.add_argument(
        "--gt", default=None, metavar="FILE", help="take the first line of this x,y,w,h txt"
    )
    parser.add_argument(
        "--results", default=None, metavar="DIR", help="write x,y,w,h txt results per target"
    )
    parser.add_argument("--frame-ext", choices=("jpg", "png"), default="jpg")
    parser.add_argument("--fps", type=float, default=None, help="of the .mp4 (default: input's)")
    parser.add_argument(
        "--show",
        action="store_true",
        help="show frames (q or Esc stops); without --init-box/--gt, select the targets on the "
        "first frame (drag a box, Enter or Space for the next one, Esc to finish)",
    )
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cfg.train.device)")
    parser.add_argument("--max-frames", type=int, default=None, help="stop after this many")
    add_allow_partial_argument(parser)
    parser.add_argument("opts", nargs=argparse.REMAINDER, help="key=value config overrides")
    args = parser.parse_args(argv)
    if not (args.output or args.show or args.results):
        parser.error("give --output, --results, --show or several of them")
    if args.init_box and args.gt:
        parser.error("give --init-box or --gt, not both")
    if not (args.init_box or args.gt or args.show):
        parser.error(
            "no initial box: give --init-box x,y,w,h (repeat it for several targets) or --gt "
            "FILE, or --show to select the targets on the first frame (needs a display)"
        )
    return args


def gt_box(path):
    """(1, 4) x,y,w,h of the first line of a ground-truth file (a VOT polygon: its box)."""
    boxes = read_boxes(path)  # errors name the file and the line
    if len(boxes) == 0:
        raise ValueError(f"{path}: no box on its first line (empty file)")
    x1, y1, x2, y2 = vot_init_box(boxes[0])
    box = np.array([x1, y1, x2 - x1, y2 - y1])
    if not valid_xywh_box(box):
        raise ValueError(f"{path}: the first line is not a box with w and h > 0: {boxes[0]}")
    return box[None]


def select_boxes(image):
    """(K, 4) x,y,w,h drawn by the user on ``image`` (BGR) with ``cv2.selectROIs``."""
    try:
        check_display(WINDOW)
    except RuntimeError as e:
        raise SystemExit(
            f"demo_sot.py: error: selecting the targets needs a display ({e}); give the "
            "targets with --init-box x,y,w,h (repeatable) or --gt FILE instead"
        ) from None
    boxes = np.asarray(cv2.selectROIs(WINDOW, image, showCrosshair=True), dtype=np.float64)
    boxes = boxes.reshape(-1, 4)
    boxes = boxes[(boxes[:, 2] > 0) & (boxes[:, 3] > 0)]
    if not len(boxes):
        raise SystemExit("demo_sot.py: error: no target selected")
    return boxes


def initial_boxes(args, first_frame):
    """(K, 4) float64 x,y,w,h of the targets on the first frame."""
    if args.init_box:
        return np.stack(args.init_box)
    if args.gt:
        return gt_box(args.gt)
    return select_boxes(first_frame)


def load_model(args):
    """The SOT model of the config (with its ``tracker``), on its device, in eval mode."""
    cfg = load_config(args.config_file, args.opts)
    device = args.device or cfg.get("train", {}).get("device", "cuda")
    model = instantiate(cfg.model).to(resolve_device(device)).eval()
    load_eval_weights(model, args.weights, allow_partial=args.allow_partial, source="--weights")
    if getattr(model, "tracker", None) is None:
        raise ValueError(f"{args.config_file}: model.tracker is not set: nothing to track with")
    return model


def draw(frame_bgr, instances):
    """The frame (H, W, 3) BGR with every target: ID-coloured, dashed and "lost" when not visible.

    Args:
        instances (Instances): a single object tracker's output (``pred_boxes``, ``scores``,
            ``visible``, ``ID``).
    """
    rgb = np.ascontiguousarray(frame_bgr[:, :, ::-1])
    return draw_single_targets(rgb, instances)[:, :, ::-1]


def write_results(folder, boxes, visible):
    """``folder/target_<k>.txt`` (x,y,w,h per frame) and ``folder/visible/target_<k>.txt``.

    Args:
        boxes (ndarray): (T, K, 4) ``XYXY_ABS``.
        visible (ndarray): (T, K) bool.
    """
    xywh = np.concatenate([boxes[..., :2], boxes[..., 2:] - boxes[..., :2]], axis=-1)
    for k in range(xywh.shape[1]):
        with atomic_open(os.path.join(folder, f"target_{k}.txt")) as f:
            np.savetxt(f, xywh[:, k], fmt="%.4f", delimiter=",")
        with atomic_open(os.path.join(folder, "visible", f"target_{k}.txt")) as f:
            np.savetxt(f, visible[:, k].astype(int), fmt="%d")


def run(args, model, source, boxes_xywh, write):
    """Track, draw and write every frame; return the (T, K, 4) boxes and (T, K) visibility."""
    total = min(len(source), args.max_frames or len(source))
    frames = (source[i] for i in range(total))
    boxes, visible = [], []
    for index, frame, instances in tqdm.tqdm(
        track_single_targets(model, frames, boxes_xywh), total=total, unit="frame"
    ):
        boxes.append(instances.pred_boxes.tensor.numpy())
        visible.append(instances.visible.numpy())
        image = draw(frame, instances)
        write(index, image)
        if args.show and not show_frame(WINDOW, image):
            logger.info(f"stopped from the window after frame {index}")
            break
    return np.stack(boxes), np.stack(visible)


def main(argv=None):
    args = parse_args(argv)
    setup_logger(name="d2track")
    source = open_frame_source(args.input)  # errors on a missing input or an empty folder
    boxes_xywh = initial_boxes(args, source[0])
    if args.show:
        check_display(WINDOW)
    model = load_model(args)
    if args.output:
        sink = frame_sink(args.output, fps=args.fps or source.fps or 25.0, frame_ext=args.frame_ext)
    else:
        sink = contextlib.nullcontext(lambda index, image: None)
    with torch.no_grad(), sink as write:
        boxes, visible = run(args, model, source, boxes_xywh, write)
    if args.results:
        write_results(args.results, boxes, visible)
    if args.show:
        cv2.destroyWindow(WINDOW)
    written = ", ".join(p for p in (args.output, args.results) if p)
    logger.info(
        f"tracked {len(boxes_xywh)} target(s) over {len(boxes)} frames"
        + (f"; wrote {written}" if written else "")
    )
    return boxes, visible


if __name__ == "__main__":
    main()
