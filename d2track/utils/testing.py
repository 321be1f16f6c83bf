"""Test fixtures: tiny hand-made videos (frames on disk + per-frame dataset dicts)."""

import contextlib

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


# --- tiny video detectors -----------------------------------------------------------------------

TINY_SIZE = 64
TINY_MEAN, TINY_STD = [128.0] * 3, [64.0] * 3


def tiny_backbone():
    """Two strided convs to one stride-16 map ``"p5"`` (16 channels); counts images seen."""
    import torch
    from detectron2.layers import ShapeSpec
    from detectron2.modeling import Backbone

    class TinyBackbone(Backbone):
        def __init__(self):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(3, 8, 3, stride=4, padding=1)
            self.conv2 = torch.nn.Conv2d(8, 16, 3, stride=4, padding=1)
            self.images_seen = 0

        def forward(self, x):
            self.images_seen += len(x)
            return {"p5": self.conv2(torch.relu(self.conv1(x)))}

        def output_shape(self):
            return {"p5": ShapeSpec(channels=16, stride=16)}

    return TinyBackbone()


def tiny_rcnn_parts(*, box_head=None, roi_heads_class=None, num_classes=2):
    """Keyword arguments of a tiny ``GeneralizedRCNN`` / ``VideoRCNN`` on 64x64 frames.

    Args:
        box_head (nn.Module or None): default a 1-fc (32) ``FastRCNNConvFCHead`` on 16x7x7 RoIs.
        roi_heads_class (type or None): default ``StandardROIHeads``.

    Returns:
        dict: ``backbone``, ``proposal_generator``, ``roi_heads``, ``pixel_mean``, ``pixel_std``.
    """
    from detectron2.layers import ShapeSpec
    from detectron2.modeling.anchor_generator import DefaultAnchorGenerator
    from detectron2.modeling.box_regression import Box2BoxTransform
    from detectron2.modeling.matcher import Matcher
    from detectron2.modeling.poolers import ROIPooler
    from detectron2.modeling.proposal_generator import RPN, StandardRPNHead
    from detectron2.modeling.roi_heads import (
        FastRCNNConvFCHead,
        FastRCNNOutputLayers,
        StandardROIHeads,
    )

    pooled = ShapeSpec(channels=16, height=7, width=7)
    if box_head is None:
        box_head = FastRCNNConvFCHead(input_shape=pooled, conv_dims=[], fc_dims=[32])
    rpn = RPN(
        in_features=["p5"],
        head=StandardRPNHead(in_channels=16, num_anchors=2),
        anchor_generator=DefaultAnchorGenerator(
            sizes=[[16, 32]], aspect_ratios=[[1.0]], strides=[16], offset=0.0
        ),
        anchor_matcher=Matcher([0.3, 0.7], [0, -1, 1]),
        box2box_transform=Box2BoxTransform((1.0, 1.0, 1.0, 1.0)),
        batch_size_per_image=32,
        positive_fraction=0.5,
        pre_nms_topk=(100, 50),
        post_nms_topk=(20, 10),
    )
    roi_heads = (roi_heads_class or StandardROIHeads)(
        num_classes=num_classes,
        batch_size_per_image=16,
        positive_fraction=0.25,
        proposal_matcher=Matcher([0.5], [0, 1]),
        box_in_features=["p5"],
        box_pooler=ROIPooler(7, (1 / 16,), 0, "ROIAlignV2"),
        box_head=box_head,
        box_predictor=FastRCNNOutputLayers(
            input_shape=ShapeSpec(channels=box_head.output_shape.channels),
            box2box_transform=Box2BoxTransform((10.0, 10.0, 5.0, 5.0)),
            num_classes=num_classes,
            test_score_thresh=0.0,
        ),
    )
    return dict(
        backbone=tiny_backbone(),
        proposal_generator=rpn,
        roi_heads=roi_heads,
        pixel_mean=TINY_MEAN,
        pixel_std=TINY_STD,
    )


def random_frame(seed, size=TINY_SIZE, **fields):
    """A frame dict with a seeded random (3, size, size) uint8 ``image`` and ``fields``."""
    import torch

    g = torch.Generator().manual_seed(seed)
    image = torch.randint(0, 255, (3, size, size), generator=g).to(torch.uint8)
    return dict(image=image, **fields)


def train_sample(seed, num_refs, size=TINY_SIZE):
    """A training key frame (one gt box of class 1) with ``num_refs`` random reference frames."""
    import torch
    from detectron2.structures import Boxes, Instances

    inst = Instances((size, size))
    inst.gt_boxes = Boxes(torch.tensor([[8.0, 8.0, 40.0, 40.0]]))
    inst.gt_classes = torch.tensor([1])
    refs = [random_frame(seed * 10 + r, size) for r in range(num_refs)]
    return random_frame(seed, size, instances=inst, ref_frames=refs, video_id=0, frame_id=seed)


@contextlib.contextmanager
def serve_video_url(frames, *, fps=5):
    """Serve ``frames`` (BGR (H, W, 3) uint8) as an mp4 over HTTP on localhost; yield its URL.

    For testing stream-URL inputs (``http://``) without a network.
    """
    import functools
    import http.server
    import tempfile
    import threading

    from d2track.utils.video_io import atomic_video_writer

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    with tempfile.TemporaryDirectory() as folder:
        height, width = frames[0].shape[:2]
        with atomic_video_writer(f"{folder}/clip.mp4", fps=fps, frame_size=(width, height)) as w:
            for frame in frames:
                w.write(frame)
        handler = functools.partial(QuietHandler, directory=folder)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/clip.mp4"
        finally:
            server.shutdown()
            server.server_close()
            thread.join()


def write_text_file(path, text):
    """Write ``text`` to ``path`` (a ``pathlib.Path``), creating its folders; returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def csv_lines(rows):
    """Rows of numbers as comma-separated lines (``%g``), as benchmark txt files hold them."""
    return "".join(",".join(f"{v:g}" for v in row) + "\n" for row in rows)


def run_tool_main(path, *args):
    """Run the ``main()`` of the script at ``path`` in this process, with ``args`` as its
    command line (``sys.argv`` restored afterwards); returns what ``main`` returns."""
    import runpy
    import sys

    argv = sys.argv
    sys.argv = [str(path), *map(str, args)]
    try:
        return runpy.run_path(str(path), run_name="tool")["main"]()
    finally:
        sys.argv = argv


def count_video_frames(path):
    """The number of frames OpenCV reads from the video file at ``path``."""
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.read()[0]:
        count += 1
    capture.release()
    return count


def random_model(config_file, *overrides, seed=0, confident=False):
    """A config's model with seeded random weights (tests of tools that run a whole model).

    Args:
        config_file (str): a LazyConfig file.
        overrides (str): ``key=value`` overrides (checked as the tools check them).
        seed (int): torch seed of the initialisation.
        confident (bool): make the detector's class 0 likely everywhere (its logit bias 3), so
            that random weights keep detections above a tracker's thresholds (they otherwise give
            every class about the same score).

    Returns:
        tuple[DictConfig, nn.Module]: the config and its model (in training mode).
    """
    import torch
    from detectron2.config import instantiate

    from d2track.config import load_config

    cfg = load_config(str(config_file), list(overrides))
    torch.manual_seed(seed)
    model = instantiate(cfg.model)
    if confident:
        detector = getattr(model, "detector", model)
        with torch.no_grad():
            detector.roi_heads.box_predictor.cls_score.bias[0] = 3.0
    return cfg, model
