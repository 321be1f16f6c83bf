"""Test fixtures: tiny hand-made videos (frames on disk + per-frame dataset dicts)."""

import cv2
import numpy as np
from detectron2.structures import BoxMode


def make_video_dicts(root, *, lengths=(4, 2), height=24, width=32):
    """Videos where frame ``f`` shows instance 100+v at x = 2 + 3f, and from frame 1 instance 200+v.

    Returns:
        list[dict]: Detectron2 dicts sorted by (video, frame), with XYWH boxes and polygons.
    """
    dicts = []
    for v, length in enumerate(lengths):
        for f in range(length):
            image = np.full((height, width, 3), 10 * f, dtype=np.uint8)
            file_name = str(root / f"v{v}_f{f}.png")
            cv2.imwrite(file_name, image)
            annos = [_anno(100 + v, 0, 2 + 3 * f, 4)]
            if f >= 1:
                annos.append(_anno(200 + v, 1, 20, 10))
            dicts.append(
                dict(
                    file_name=file_name,
                    height=height,
                    width=width,
                    image_id=len(dicts),
                    video_id=v,
                    frame_id=f,
                    video_length=length,
                    annotations=annos,
                )
            )
    return dicts


def _anno(instance_id, category_id, x, y, w=6, h=5):
    poly = [x, y, x + w, y, x + w, y + h, x, y + h]
    return dict(
        bbox=[x, y, w, h],
        bbox_mode=BoxMode.XYWH_ABS,
        category_id=category_id,
        instance_id=instance_id,
        iscrowd=0,
        segmentation=[poly],
    )


def _rank_main(rank, fn, init_file, out_dir, world_size):
    import pickle

    import torch.distributed as dist

    dist.init_process_group(
        "gloo", init_method=f"file://{init_file}", rank=rank, world_size=world_size
    )
    try:
        result = fn(rank)
        with open(f"{out_dir}/rank{rank}.pkl", "wb") as f:
            pickle.dump(result, f)
        dist.barrier()
    finally:
        dist.destroy_process_group()


def run_on_ranks(fn, tmp_dir, *, world_size=2):
    """Run ``fn(rank)`` in ``world_size`` forked gloo processes; return their results by rank.

    Forked, so registered datasets are inherited and nothing is imported again (fast). ``fn``
    and its result must be picklable (defined at module level).
    """
    import pickle

    import torch.multiprocessing as mp

    tmp_dir = str(tmp_dir)
    args = (fn, f"{tmp_dir}/dist_init", tmp_dir, world_size)
    mp.start_processes(_rank_main, args=args, nprocs=world_size, start_method="fork")
    results = []
    for rank in range(world_size):
        with open(f"{tmp_dir}/rank{rank}.pkl", "rb") as f:
            results.append(pickle.load(f))
    return results
