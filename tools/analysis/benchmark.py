#!/usr/bin/env python
"""Frames per second of a video detection, tracking or segmentation config and checkpoint (VID,
MOT, SOT, VIS), as MMTracking 0.x's ``tools/analysis/benchmark.py``.

Examples::

    tools/analysis/benchmark.py --config-file projects/SELSA/configs/<config>.py \\
        --weights model_final.pth --split imagenet_vid_val --device cuda --json selsa_fps.json
    tools/analysis/benchmark.py \\
        --config-file projects/ByteTrack/configs/bytetrack_faster_rcnn_tiny_synthetic_mot.py \\
        --weights model_final.pth --input video.mp4 --num-frames 100 --warmup 10 --repeats 3
    tools/analysis/benchmark.py --config-file projects/SiamRPNpp/configs/<config>.py \\
        --weights model_final.pth --input frames/ --init-box 120,80,40,60
    # the tiny single-frame detector with random weights (a warning says so), on the CPU
    tools/analysis/benchmark.py --config-file configs/vid/faster_rcnn_tiny_400it_synthetic.py \\
        --weights '' --split synthetic_vid_val --device cpu --num-frames 20 --warmup 2

The task comes from the config's ``dataloader.evaluator`` (``VIDEvaluator``: vid,
``MOTEvaluator``: mot, ``SOTEvaluator``/``VOTEvaluator``: sot, ``VISEvaluator``: vis), else from
the model (:func:`d2track.engine.video_tasks.model_task`). Each runs as its demo does
(:func:`d2track.engine.video_tasks.run_video`): VID through ``VideoPredictor`` (the model's test
reference sampler, the test mapper's transforms); MOT and VIS through ``track_stream`` (an offline
``video_postprocessor`` is not run); SOT initialised on the first frame's box, then tracked: the
split's annotation, or ``--init-box`` with ``--input`` (a VOT config's resets are not timed: they
depend on failures).

``--input`` (a video file or a folder of frames) or ``--split`` (a registered dataset, its videos
in order, each a new stream: trackers reset) gives the first ``--warmup + --num-frames`` frames,
decoded and held in memory before timing: the time per frame is preprocessing, model,
post-processing and tracking, not reading. Each repeat starts from the first frame: the warm-up
frames run untimed, then the next ``--num-frames`` are timed one by one (on CUDA between two
``torch.cuda.synchronize``). A repeat's fps is its frames over their total time; printed: the
mean, std, min and max over the repeats and per-frame ms percentiles; ``--json`` writes that
record atomically (fields: ``task``, ``device``, ``num_frames``, ``fps``, ``fps_std``,
``fps_per_repeat``, ``ms_per_frame``, ...).

``--weights PATH`` loads the whole model strictly (``--allow-partial`` as in the demos); without
it, the weights the config names (``model.detector_weights`` of a tracking model), else an error;
``--weights ''`` times random weights, with a warning: a random detector's speed is not a trained
one's where the work depends on the detections (NMS, mask heads, tracking).
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import itertools
import logging
import os
import platform
import time

import numpy as np
import torch
from detectron2.config import instantiate
from detectron2.data import detection_utils
from detectron2.modeling import GeneralizedRCNN
from detectron2.utils.logger import setup_logger
from detectron2.utils.registry import locate
from omegaconf import ListConfig
from tabulate import tabulate

import d2track.data  # noqa: F401  (registers the builtin splits)
from d2track.checkpoint import (
    CheckpointMismatchError,
    MissingWeightsError,
    add_allow_partial_argument,
    load_eval_weights,
)
from d2track.config import load_config
from d2track.data.build import get_video_dataset_dicts
from d2track.data.mappers.sot import sot_region
from d2track.engine import resolve_device
from d2track.engine.video_tasks import model_task, run_video
from d2track.engine.vot_protocol import vot_init_box
from d2track.evaluation import MOTEvaluator, SOTEvaluator, VIDEvaluator, VISEvaluator, VOTEvaluator
from d2track.modeling.meta_arch import TrackingByDetection
from d2track.tracking.sot import SingleObjectTracker
from d2track.utils.box_args import parse_xywh_box
from d2track.utils.file_io import dump_json
from d2track.utils.video_io import open_frame_source

logger = logging.getLogger("d2track")

EVALUATOR_TASKS = {
    VIDEvaluator: "vid",
    MOTEvaluator: "mot",
    SOTEvaluator: "sot",
    VOTEvaluator: "sot",
    VISEvaluator: "vis",
}
# what each task's runner needs of the model
MODEL_TYPES = {"vid": GeneralizedRCNN, "mot": TrackingByDetection, "vis": TrackingByDetection}


def evaluator_task(cfg):
    """(task or None, names of the config's evaluator classes)."""
    node = cfg.get("dataloader", {}).get("evaluator")
    nodes = node if isinstance(node, (list, tuple, ListConfig)) else [node]
    targets = [n.get("_target_") if hasattr(n, "get") else None for n in nodes]
    classes = [locate(t) if isinstance(t, str) else t for t in targets if t is not None]
    for cls in classes:
        for base, task in EVALUATOR_TASKS.items():
            if isinstance(cls, type) and issubclass(cls, base):
                return task, [c.__name__ for c in classes]
    return None, [getattr(c, "__name__", str(c)) for c in classes]


def find_task(cfg, model, config_file):
    """The task to time, checked against what its runner needs of ``model``.

    Raises:
        ValueError: naming the config and what it lacks.
    """
    task, evaluators = evaluator_task(cfg)
    task = task or model_task(model)
    model_name = type(model).__name__
    if task is None:
        raise ValueError(
            f"{config_file}: cannot time it: dataloader.evaluator is "
            f"{', '.join(evaluators) or 'not set'} and model is {model_name}; benchmark.py times "
            "VID, MOT, SOT and VIS configs (VIDEvaluator, MOTEvaluator, SOTEvaluator or "
            "VOTEvaluator, VISEvaluator)"
        )
    if task in MODEL_TYPES and not isinstance(model, MODEL_TYPES[task]):
        raise ValueError(
            f"{config_file}: a {task.upper()} config needs a {MODEL_TYPES[task].__name__} model, "
            f"got {model_name}"
        )
    tracker = getattr(model, "tracker", None)
    if task != "vid" and tracker is None:
        raise ValueError(f"{config_file}: model.tracker is not set: nothing to track with")
    if task == "sot" and not isinstance(tracker, SingleObjectTracker):
        raise ValueError(f"{config_file}: model.tracker is not a single object tracker")
    return task


def build_model(cfg, args, device):
    """The config's model on ``device`` in eval mode (weights: :func:`load_model_weights`)."""
    if args.weights == "":
        for key in ("detector_weights", "reid_weights"):  # parts random too, their files unread
            if key in cfg.model:
                cfg.model[key] = None
    return instantiate(cfg.model).to(device).eval()


def load_model_weights(model, args):
    """``--weights``: a checkpoint, the config's (None) or random ("")."""
    if args.weights != "":
        path = args.weights or ""
        load_eval_weights(model, path, allow_partial=args.allow_partial, source="--weights")
        return
    logger.warning(
        "--weights '': timing random weights; a random detector's speed is not a trained "
        "one's where the work depends on the detections (NMS, mask heads, tracking)"
    )
    model.load_state_dict(model.state_dict())  # declares every part loaded (check_weights)


def pick_device(args, cfg):
    if not args.device:
        return resolve_device(cfg.get("train", {}).get("device", "cuda"))
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"--device {args.device}: CUDA is not available (use --device cpu)")
    return args.device


def input_videos(path, count, init_box):
    """[(frames, init_region)]: the first ``count`` BGR (H, W, 3) frames of a video or folder."""
    source = open_frame_source(path)  # errors name a missing input or an empty folder
    if len(source) < count:
        raise ValueError(f"{path}: {len(source)} frames, --warmup + --num-frames need {count}")
    return [([source[i] for i in range(count)], init_box)]


def split_videos(name, count, *, regions=False):
    """[(frames, init_region)] of a registered split's first ``count`` frames, per video.

    Args:
        regions (bool): give each video's frame 0 ground truth (:func:`sot_region`), else None.
    """
    try:
        dicts = get_video_dataset_dicts(name)
    except KeyError:
        raise ValueError(f"--split {name}: not a registered dataset") from None
    videos, total = [], 0
    for _, frames in itertools.groupby(dicts, key=lambda d: d.get("video_id")):
        frames = sorted(frames, key=lambda d: d["frame_id"])[: count - total]
        region = sot_region(frames[0]) if regions else None
        if regions and not np.any(region):
            raise ValueError(f"{frames[0]['file_name']}: no target box on the video's frame 0")
        images = [detection_utils.read_image(d["file_name"], format="BGR") for d in frames]
        videos.append((images, region))
        total += len(frames)
        if total == count:
            return videos
    raise ValueError(f"--split {name}: {total} frames, --warmup + --num-frames need {count}")


def load_videos(args, task, count):
    if args.init_box is not None and (task != "sot" or args.split):
        raise ValueError("--init-box goes with --input for a SOT config (a split has its boxes)")
    if args.split:
        return split_videos(args.split, count, regions=task == "sot")
    if task == "sot" and args.init_box is None:
        raise ValueError("SOT starts from the first frame's box: give --init-box x,y,w,h")
    return input_videos(args.input, count, args.init_box)


def xywh_of_region(region):
    """(4,) ``x, y, w, h`` of a (4,) box or (8,) VOT polygon region (its initialisation box)."""
    x1, y1, x2, y2 = vot_init_box(region)
    return np.array([x1, y1, x2 - x1, y2 - y1])


def frame_steps(cfg, model, videos, task):
    """One frame's work per step, every video from its frame 0, as the task's demo runs it."""
    for video_id, (frames, region) in enumerate(videos):
        boxes = None if region is None else xywh_of_region(region)[None]
        yield from run_video(cfg, model, frames, task=task, init_boxes=boxes, video_id=video_id)


def time_frames(steps, *, warmup, num_frames, device):
    """Seconds of each of the ``num_frames`` steps after ``warmup`` untimed ones.

    Args:
        steps (Iterator): one frame's work per ``next``.

    Returns:
        list[float]: (num_frames,) seconds.
    """
    cuda = str(device).startswith("cuda")
    sync = (lambda: torch.cuda.synchronize(device)) if cuda else (lambda: None)
    times = []
    try:
        for _ in range(warmup):
            next(steps)
        for _ in range(num_frames):
            sync()  # the GPU's queue empty: the clock starts with this frame's work
            start = time.perf_counter()
            next(steps)
            sync()
            times.append(time.perf_counter() - start)
    finally:
        steps.close()
    return times


def summarize(repeats):
    """fps (mean, std, min, max over repeats) and per-frame ms of (R, N) seconds."""
    fps = np.array([len(t) / sum(t) for t in repeats])
    ms = np.concatenate(repeats) * 1000
    percentiles = {f"p{q}": float(np.percentile(ms, q)) for q in (50, 90, 99)}
    return dict(
        fps=float(fps.mean()),
        fps_std=float(fps.std()),
        fps_min=float(fps.min()),
        fps_max=float(fps.max()),
        fps_per_repeat=fps.tolist(),
        ms_per_frame=dict(
            mean=float(ms.mean()), min=float(ms.min()), max=float(ms.max()), **percentiles
        ),
    )


def device_name(device):
    if str(device).startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    return platform.processor() or platform.machine()


def benchmark(args):
    """Time the config; return the record (see the module docstring)."""
    if not os.path.isfile(args.config_file):
        raise ValueError(f"{args.config_file}: no such config file")
    cfg = load_config(args.config_file, args.opts)
    device = pick_device(args, cfg)
    model = build_model(cfg, args, device)
    task = find_task(cfg, model, args.config_file)
    videos = load_videos(args, task, args.warmup + args.num_frames)
    load_model_weights(model, args)
    with torch.no_grad():
        times = [
            time_frames(
                frame_steps(cfg, model, videos, task),
                warmup=args.warmup,
                num_frames=args.num_frames,
                device=device,
            )
            for _ in range(args.repeats)
        ]
    return dict(
        task=task,
        config=args.config_file,
        weights=args.weights,
        input=args.input,
        split=args.split,
        device=device,
        device_name=device_name(device),
        torch_threads=torch.get_num_threads(),
        frame_size=list(videos[0][0][0].shape[:2]),
        num_frames=len(times[0]),
        warmup=args.warmup,
        repeats=len(times),
        **summarize(times),
    )


def table(record):
    ms = record["ms_per_frame"]
    row = [record["task"], f"{record['device']} ({record['device_name']})"]
    row.append(f"{record['num_frames']} x {record['repeats']}")
    row += [f"{record[key]:.2f}" for key in ("fps", "fps_std", "fps_min", "fps_max")]
    row += [f"{ms[key]:.1f}" for key in ("p50", "p90")]
    headers = ["task", "device", "frames x repeats", "fps", "std", "min", "max", "ms p50", "ms p90"]
    return tabulate([row], headers=headers, disable_numparse=True)


def _count(minimum):
    def parse(text):
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value}: must be at least {minimum}")
        return value

    return parse


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config-file", required=True, metavar="FILE")
    parser.add_argument(
        "--weights", default=None, help="whole-model checkpoint; '' for random weights"
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", help="a video file or a folder of frames")
    source.add_argument("--split", help="a registered dataset, e.g. synthetic_mot_val")
    parser.add_argument(
        "--init-box", type=parse_xywh_box, metavar="X,Y,W,H", help="SOT: the target on frame 0"
    )
    parser.add_argument("--num-frames", type=_count(1), default=100, help="frames timed")
    parser.add_argument("--warmup", type=_count(0), default=10, help="frames run untimed first")
    parser.add_argument("--repeats", type=_count(1), default=1, help="timed runs")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cfg.train.device)")
    parser.add_argument("--json", default=None, metavar="OUT", help="write the record here")
    add_allow_partial_argument(parser)
    parser.add_argument("opts", nargs=argparse.REMAINDER, help="key=value config overrides")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    setup_logger(name="d2track")
    try:
        record = benchmark(args)
    except MissingWeightsError as e:
        raise SystemExit(f"benchmark.py: error: {e} (--weights '' times random weights)") from None
    except (ValueError, OSError, CheckpointMismatchError) as e:
        raise SystemExit(f"benchmark.py: error: {e}") from None
    print(table(record))
    if args.json:
        dump_json(record, args.json)
        logger.info(f"wrote {args.json}")
    return record


if __name__ == "__main__":
    main()
