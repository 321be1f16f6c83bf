#!/usr/bin/env python
"""Training data-loading throughput: key frame + 2 references, 1000x600 JPEG frames.

Frames come from the MOT17 clip in ``../shared/data/demo.mp4`` (resized to 1000x600; random
noise frames if the clip is missing), written once as JPEG with one box per frame. The loader
is d2track's training path: :class:`VideoFrameDataset` (``bilateral_uniform``, 2 references) ->
:class:`VideoTrainMapper` (resize + flip, drawn once per sample) -> Detectron2's
``build_detection_train_loader``. Prints a table, writes ``benchmarks/results/data_loading.json``.

    .venv/bin/python benchmarks/bench_data_loading.py [--workers 2] [--samples 200]
"""

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from detectron2.data import build_detection_train_loader
from detectron2.data import transforms as T
from detectron2.structures import BoxMode
from tabulate import tabulate

from d2track.data.mappers import VideoTrainMapper
from d2track.data.sampling import RefSampler
from d2track.data.video_dataset import VideoFrameDataset
from d2track.utils.file_io import dump_json
from d2track.utils.video_io import read_video_frames

CLIP = Path(__file__).resolve().parents[2] / "shared" / "data" / "demo.mp4"
OUT = Path(__file__).resolve().parent / "results" / "data_loading.json"


def source_frames(count):
    if CLIP.is_file():
        frames = [
            cv2.resize(f, (1000, 600)) for _, f in zip(range(count), read_video_frames(str(CLIP)))
        ]
        if frames:
            return frames, "MOT17 clip"
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (600, 1000, 3), dtype=np.uint8) for _ in range(count)], "noise"


def write_videos(root, num_videos, length):
    frames, source = source_frames(length)
    dicts = []
    for v in range(num_videos):
        for f, image in enumerate(frames):
            path = os.path.join(root, f"{v}_{f}.jpg")
            cv2.imwrite(path, image, [cv2.IMWRITE_JPEG_QUALITY, 90])
            box = dict(
                bbox=[100 + 5 * f, 100, 80, 200],
                bbox_mode=BoxMode.XYWH_ABS,
                category_id=0,
                instance_id=v,
            )
            dicts.append(
                dict(
                    file_name=path,
                    height=600,
                    width=1000,
                    image_id=len(dicts),
                    video_id=v,
                    frame_id=f,
                    video_length=len(frames),
                    annotations=[box],
                )
            )
    return dicts, source


def measure(dicts, workers, samples, batch_size):
    dataset = VideoFrameDataset(
        dicts,
        ref_sampler=RefSampler(
            method="bilateral_uniform", num_ref_imgs=2, frame_range=9, filter_key_img=False
        ),
    )
    augs = [T.ResizeShortestEdge(600, max_size=1000), T.RandomFlip()]
    loader = build_detection_train_loader(
        dataset,
        mapper=VideoTrainMapper(augmentations=augs),
        total_batch_size=batch_size,
        num_workers=workers,
        aspect_ratio_grouping=False,
    )
    iterator = iter(loader)
    next(iterator)  # warm-up: worker start
    start = time.perf_counter()
    for _ in range(samples // batch_size):
        next(iterator)
    return (samples // batch_size) * batch_size / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        dicts, source = write_videos(root, num_videos=2, length=30)
        rows = []
        for workers in sorted({0, args.workers}):
            per_second = measure(dicts, workers, args.samples, args.batch_size)
            rows.append((workers, round(per_second, 1), round(3 * per_second, 1)))
    print(tabulate(rows, headers=["workers", "samples/s", "frames/s (key + 2 refs)"]))
    meta = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
        "frames": source,
        "size": "1000x600 JPEG q90",
        "batch_size": args.batch_size,
    }
    dump_json(
        {
            "meta": meta,
            "results": [dict(zip(["workers", "samples_per_s", "frames_per_s"], r)) for r in rows],
        },
        str(OUT),
    )
    print(f"{meta}\nwritten to {OUT}")


if __name__ == "__main__":
    main()
