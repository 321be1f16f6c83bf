#!/usr/bin/env python
"""Draw a trained detector's predictions on its test split with Detectron2's Visualizer.

Example::

    tools/demo/visualize_detections.py --config-file CONFIG.py --weights output/model_final.pth \\
        --output output/vis --num-images 8

Writes ``<output>/<image_id>.png``: ground truth on the left, predictions on the right.
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import itertools
import logging
import os

import cv2
import numpy as np
import torch
from detectron2.config import instantiate
from detectron2.data import MetadataCatalog
from detectron2.utils.logger import setup_logger
from detectron2.utils.visualizer import Visualizer

from d2track.checkpoint import add_allow_partial_argument, load_weights
from d2track.config import load_config
from d2track.engine import resolve_device
from d2track.utils.file_io import atomic_open

logger = logging.getLogger("d2track")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--config-file", required=True, metavar="FILE")
    parser.add_argument("--weights", required=True, help="checkpoint (.pth) to load")
    parser.add_argument("--output", required=True, help="folder for the images")
    parser.add_argument("--num-images", type=int, default=8)
    parser.add_argument("--confidence", type=float, default=0.5, help="min score to draw")
    parser.add_argument("--scale", type=float, default=3.0, help="upscale small images")
    add_allow_partial_argument(parser)
    parser.add_argument("opts", nargs=argparse.REMAINDER, help="key=value config overrides")
    return parser.parse_args(argv)


def draw_pair(record, instances, metadata, scale):
    """Return (H * scale, 2 * W * scale, 3) RGB: ground truth left, predictions right."""
    image = cv2.imread(record["file_name"])[:, :, ::-1]
    gt = Visualizer(image, metadata, scale=scale).draw_dataset_dict(record).get_image()
    pred = Visualizer(image, metadata, scale=scale).draw_instance_predictions(instances)
    pred = pred.get_image()
    return np.concatenate([gt, pred], axis=1)


def main(argv=None):
    args = parse_args(argv)
    setup_logger(name="d2track")
    cfg = load_config(args.config_file, args.opts)
    device = resolve_device(cfg.train.device)
    model = instantiate(cfg.model).to(device).eval()
    load_weights(model, args.weights, allow_partial=args.allow_partial)
    loader = instantiate(cfg.dataloader.test)
    dataset_name = cfg.dataloader.test.dataset.names
    metadata = MetadataCatalog.get(dataset_name)
    records = {r["image_id"]: r for r in instantiate(cfg.dataloader.test.dataset)}
    with torch.no_grad():
        for inputs in itertools.islice(loader, args.num_images):
            instances = model(inputs)[0]["instances"].to("cpu")
            instances = instances[instances.scores >= args.confidence]
            canvas = draw_pair(records[inputs[0]["image_id"]], instances, metadata, args.scale)
            path = os.path.join(args.output, f"{inputs[0]['image_id']}.png")
            ok, encoded = cv2.imencode(".png", canvas[:, :, ::-1])
            with atomic_open(path, "wb") as f:
                f.write(encoded.tobytes())
    logger.info(f"wrote {min(args.num_images, len(loader))} images to {args.output}")


if __name__ == "__main__":
    main()
