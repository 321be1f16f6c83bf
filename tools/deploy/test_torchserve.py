#!/usr/bin/env python
"""Check a running TorchServe against the local model: send it a video, run the same model here,
compare the two results frame by frame.

Example (with a model packaged by ``tools/deploy/d2track2torchserve.py``; give the same config,
weights and ``key=value`` overrides as there)::

    tools/deploy/test_torchserve.py \\
        --config-file projects/SiamRPNpp/configs/siamese_rpn_tiny_800it_synthetic.py \\
        --weights model_final.pth --video video.mp4 --model-name sot \\
        --inference-addr http://127.0.0.1:8080 --init-box 120,80,40,60

Prints the largest differences and exits with 0 when every frame matches: the same number of
instances, equal labels, track IDs and visibility flags, boxes (pixels) and scores within
``--atol``, masks with an IoU of at least ``--mask-iou``; with 1 (and what differs) otherwise, or
when the server cannot be reached or answers with an error.
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import json
import sys
import urllib.error
import urllib.request

import numpy as np
import torch
from d2track_handler_core import VideoModel, video_result
from pycocotools import mask as mask_util

from d2track.config import load_config
from d2track.utils.box_args import parse_xywh_box
from d2track.utils.video_io import open_frame_source


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config-file", required=True, metavar="FILE")
    parser.add_argument(
        "--weights",
        default=None,
        help="the checkpoint packed in the archive (default: a tracking model's part weights, "
        "as d2track2torchserve.py packs them without --weights)",
    )
    parser.add_argument("--video", required=True, help="a video file OpenCV can read")
    parser.add_argument("--model-name", required=True, help="the name TorchServe serves it as")
    parser.add_argument("--inference-addr", default="http://127.0.0.1:8080")
    parser.add_argument(
        "--init-box",
        action="append",
        type=parse_xywh_box,
        default=[],
        metavar="X,Y,W,H",
        help="SOT: a target on the first frame, in pixels; repeat for several targets",
    )
    parser.add_argument("--atol", type=float, default=1e-3, help="for boxes and scores")
    parser.add_argument("--mask-iou", type=float, default=0.99, help="minimum IoU of masks")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds for the request")
    parser.add_argument("--device", default="cpu", help="of the local model")
    parser.add_argument("opts", nargs=argparse.REMAINDER, help="key=value config overrides")
    return parser.parse_args(argv)


def request_prediction(address, model_name, video, *, init_box=None, timeout=300.0):
    """The served result (a dict) for the video file ``video``.

    Args:
        init_box (str or None): SOT targets, ``x,y,w,h[;x,y,w,h]`` (sent as ``X-Init-Box``).

    Raises:
        SystemExit: naming the address, or the server's status and message.
    """
    with open(video, "rb") as f:
        body = f.read()
    headers = {"Content-Type": "application/octet-stream"}
    if init_box:
        headers["X-Init-Box"] = init_box
    url = f"{address.rstrip('/')}/predictions/{model_name}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        raise SystemExit(f"error: {url} answered {e.code}: {e.read().decode('utf-8', 'replace')}")
    except (urllib.error.URLError, OSError) as e:
        raise SystemExit(f"error: no answer from {url} (is TorchServe running there?): {e}")


def local_prediction(args, init_boxes):
    """The result of the model run here, in the format the server answers with."""
    cfg = load_config(args.config_file, args.opts)
    video_model = VideoModel.load(cfg, args.weights, device=args.device)
    frames = open_frame_source(args.video)
    with torch.no_grad():
        return video_result(video_model, video_model(frames, init_boxes))


def _mask_iou(rle_a, rle_b):
    a, b = ({**r, "counts": r["counts"].encode()} for r in (rle_a, rle_b))
    if mask_util.area(a) == 0 and mask_util.area(b) == 0:
        return 1.0
    return float(mask_util.iou([a], [b], [0])[0, 0])


def _max_diff(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max()) if a.size else 0.0


def compare_frame(index, served, local, stats, problems):
    """Compare one frame's results; update ``stats`` and append to ``problems``."""
    if len(served["scores"]) != len(local["scores"]):
        n_served, n_local = len(served["scores"]), len(local["scores"])
        problems.append(f"frame {index}: {n_served} instances served, {n_local} local")
        return
    stats["instances"] += len(local["scores"])
    for key in ("labels", "track_ids", "visible"):
        if key in local and served.get(key) != local[key]:
            problems.append(f"frame {index}: {key} {served.get(key)} served, {local[key]} local")
    stats["max_box_diff"] = max(stats["max_box_diff"], _max_diff(served["boxes"], local["boxes"]))
    score_diff = _max_diff(served["scores"], local["scores"])
    stats["max_score_diff"] = max(stats["max_score_diff"], score_diff)
    for served_mask, local_mask in zip(served.get("masks", []), local.get("masks", [])):
        stats["min_mask_iou"] = min(stats["min_mask_iou"], _mask_iou(served_mask, local_mask))


def compare(served, local, *, atol=1e-3, mask_iou=0.99):
    """``(stats, problems)``: the largest differences of two results and what does not match.

    Args:
        served, local (dict): results in the handler's format (``d2track_handler_core``).
        atol (float): largest allowed difference of a box coordinate (pixels) or a score.
        mask_iou (float): smallest allowed IoU of two masks of one instance.
    """
    problems = [
        f"{key}: {served.get(key)!r} served, {local[key]!r} local"
        for key in ("task", "num_frames", "height", "width")
        if served.get(key) != local[key]
    ]
    stats = dict(frames=len(local["frames"]), instances=0, max_box_diff=0.0, max_score_diff=0.0)
    stats["min_mask_iou"] = 1.0
    if not problems:
        for index, (s, l) in enumerate(zip(served["frames"], local["frames"])):
            compare_frame(index, s, l, stats, problems)
    for key, limit in (("max_box_diff", atol), ("max_score_diff", atol)):
        if stats[key] > limit:
            problems.append(f"{key} {stats[key]:.6g} > --atol {limit:g}")
    if stats["min_mask_iou"] < mask_iou:
        problems.append(f"min_mask_iou {stats['min_mask_iou']:.6g} < --mask-iou {mask_iou:g}")
    return stats, problems


def main(argv=None):
    args = parse_args(argv)
    boxes = np.stack(args.init_box) if args.init_box else None
    init_box = ";".join(
        ",".join(np.format_float_positional(v, trim="-") for v in box) for box in args.init_box
    )
    served = request_prediction(
        args.inference_addr, args.model_name, args.video, init_box=init_box, timeout=args.timeout
    )
    local = local_prediction(args, boxes)
    stats, problems = compare(served, local, atol=args.atol, mask_iou=args.mask_iou)
    print(f"{args.model_name} ({served.get('task')}): " + json.dumps(stats))
    if problems:
        print("MISMATCH:\n  " + "\n  ".join(problems), file=sys.stderr)
        raise SystemExit(1)
    print("served and local results match")
    return dict(stats=stats, served=served)


if __name__ == "__main__":
    main()
