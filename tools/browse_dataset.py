#!/usr/bin/env python
"""Draw a registered video dataset's frames with boxes, track ids, masks and sampled references.

Examples::

    tools/browse_dataset.py --dataset synthetic_mot_train --output output/browse/mot.mp4
    tools/browse_dataset.py --dataset synthetic_vid_train --output output/browse/vid \\
        --num-videos 2 --ref-method bilateral_uniform --num-ref-imgs 2 --frame-range 5

Each output frame is the key frame (left) followed by its sampled reference frames; boxes and
masks are coloured by track id and labelled ``<class> #<id>``. An output ending in ``.mp4`` is
one video; anything else is a folder of PNGs named ``<video_id>_<frame_id>.png``.
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import argparse
import itertools
import os

import cv2
import numpy as np
from detectron2.data import MetadataCatalog
from detectron2.data import detection_utils as utils
from tqdm import tqdm

from d2track.data.build import get_video_dataset_dicts
from d2track.data.mappers import annotations_to_instances
from d2track.data.sampling import RefSampler
from d2track.utils.file_io import atomic_open
from d2track.utils.video_io import atomic_video_writer
from d2track.utils.visualizer import draw_tracks


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", required=True, help="a registered dataset name")
    parser.add_argument("--output", required=True, help="an .mp4 file, or a folder for PNGs")
    parser.add_argument("--num-videos", type=int, default=None, help="first N videos only")
    parser.add_argument("--ref-method", default=None, help="RefSampler method (default: none)")
    parser.add_argument("--num-ref-imgs", type=int, default=1)
    parser.add_argument("--frame-range", type=int, default=5)
    parser.add_argument("--fps", type=float, default=10.0)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0, help="seed of the reference sampling")
    return parser.parse_args(argv)


def draw_frame(frame, class_names, scale):
    """RGB drawing of one dataset dict's image and annotations."""
    image = utils.read_image(frame["file_name"], format="RGB")
    size = image.shape[:2]
    instances = annotations_to_instances(frame.get("annotations", []), size, mask_format="bitmask")
    classes = instances.gt_classes.tolist()
    ids = instances.gt_instance_ids.tolist()
    labels = [f"{class_names[c]} #{i}" if class_names else f"#{i}" for c, i in zip(classes, ids)]
    masks = instances.gt_masks.tensor.numpy() if instances.has("gt_masks") else None
    drawn = draw_tracks(
        image,
        boxes=instances.gt_boxes.tensor.numpy(),
        instance_ids=ids,
        labels=labels,
        masks=masks,
        scale=scale,
    )
    cv2.putText(
        drawn,
        f"v{frame['video_id']} f{frame['frame_id']}",
        (4, 14),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.45,
        (255, 255, 255),
        1,
        cv2.LINE_AA,
    )
    return drawn


def compose(dicts, position, frames_of_video, sampler, rng, class_names, scale):
    """Key frame followed by its references, side by side (RGB)."""
    key = dicts[position]
    refs = sampler(key["frame_id"], key["video_length"], rng) if sampler else []
    panels = [draw_frame(key, class_names, scale)]
    panels += [draw_frame(dicts[frames_of_video[f]], class_names, scale) for f in refs]
    if sampler:  # a constant layout: blank panels where fewer references were sampled
        panels += [np.zeros_like(panels[0])] * (sampler.num_ref_imgs - len(refs))
    return np.concatenate(panels, axis=1)


def canvases(args):
    from d2track.data.datasets import build_video_index

    dicts = get_video_dataset_dicts(args.dataset, num_videos=args.num_videos)
    class_names = MetadataCatalog.get(args.dataset).get("thing_classes", None)
    sampler = None
    if args.ref_method:
        sampler = RefSampler(
            method=args.ref_method, num_ref_imgs=args.num_ref_imgs, frame_range=args.frame_range
        )
    rng = np.random.default_rng(args.seed)
    index = build_video_index(dicts)
    for position in tqdm(range(len(dicts)), desc=f"browse {args.dataset}", unit="frame"):
        frames = index.videos[index.video_of[position]]
        yield dicts[position], compose(
            dicts, position, frames, sampler, rng, class_names, args.scale
        )


def write_video(args, items):
    first = next(items)
    size = (first[1].shape[1], first[1].shape[0])
    with atomic_video_writer(args.output, fps=args.fps, frame_size=size) as writer:
        for _, canvas in itertools.chain([first], items):
            if (canvas.shape[1], canvas.shape[0]) != size:  # frames of another size
                canvas = cv2.resize(canvas, size)
            writer.write(np.ascontiguousarray(canvas[:, :, ::-1]))


def write_images(args, items):
    for frame, canvas in items:
        path = os.path.join(args.output, f"{frame['video_id']}_{frame['frame_id']}.png")
        ok, encoded = cv2.imencode(".png", canvas[:, :, ::-1])
        with atomic_open(path, "wb") as f:
            f.write(encoded.tobytes())


def main(argv=None):
    args = parse_args(argv)
    items = canvases(args)
    (write_video if args.output.endswith(".mp4") else write_images)(args, items)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
