"""Which task a d2track model performs, and one way to run it on a video, for every task.

The tools that run a model outside the evaluation loop (``tools/analysis/benchmark.py``, the
TorchServe handler in ``tools/deploy/``, ``tools/demo/demo_sot.py``) share these, so that a
served, timed or demoed model runs exactly as the demos run it:

* ``vid``: :class:`~.video_predictor.VideoPredictor` (reference frames from the config's test
  loader);
* ``mot`` and ``vis``: :func:`~.track_stream.track_stream` (online, frame by frame);
* ``sot``: :func:`track_single_targets`, every target initialised on frame 0.
"""

import numpy as np
from detectron2.config import instantiate
from detectron2.modeling import GeneralizedRCNN

from d2track.modeling.meta_arch import TrackingByDetection
from d2track.tracking.sot import SingleObjectTracker

from .track_stream import track_stream
from .video_predictor import VideoPredictor

__all__ = ["TASKS", "model_task", "run_video", "track_single_targets"]

TASKS = ("vid", "mot", "sot", "vis")


def model_task(model):
    """``"sot"``, ``"mot"``, ``"vis"``, ``"vid"`` or None: the task an instantiated model does.

    A model whose ``tracker`` is a :class:`SingleObjectTracker` tracks single objects; a
    :class:`TrackingByDetection` model tracks multiple objects, segmenting them (``vis``) when its
    detector's RoI heads predict masks; any other ``GeneralizedRCNN`` (the VID methods included)
    detects.
    """
    if isinstance(getattr(model, "tracker", None), SingleObjectTracker):
        return "sot"
    if isinstance(model, TrackingByDetection):
        return "vis" if getattr(model.detector.roi_heads, "mask_on", False) else "mot"
    return "vid" if isinstance(model, GeneralizedRCNN) else None


def track_single_targets(model, frames, boxes_xywh):
    """Yield ``(index, frame_bgr, instances)``: init on frame 0, then one ``track`` per frame.

    Args:
        model (nn.Module): a SOT model (``tracker``, ``input_format``), in eval mode.
        frames (Iterable[np.ndarray]): BGR (H, W, 3) frames.
        boxes_xywh (np.ndarray): (K, 4) ``x, y, w, h`` of the K targets on frame 0.

    Yields:
        tuple: index, the frame and the tracker's ``Instances`` (``pred_boxes``, ``scores``,
        ``visible``, ``ID``).
    """
    tracker, rgb = model.tracker, getattr(model, "input_format", "BGR") == "RGB"
    boxes_xywh = np.asarray(boxes_xywh, dtype=np.float64).reshape(-1, 4)
    boxes = np.concatenate([boxes_xywh[:, :2], boxes_xywh[:, :2] + boxes_xywh[:, 2:]], axis=1)
    for index, frame in enumerate(frames):
        image = np.ascontiguousarray(frame[:, :, ::-1]) if rgb else frame
        if index == 0:
            yield index, frame, tracker.init(model, image, boxes)
        else:
            yield index, frame, tracker.track(model, image)


def run_video(cfg, model, frames, *, task, init_boxes=None, video_id=0):
    """Yield one ``Instances`` per frame of a video, run as the task's demo runs it.

    Args:
        cfg (DictConfig): the model's LazyConfig (``dataloader.test`` gives the test mapper's
            augmentations and image format, and VID's reference frames).
        model (nn.Module): in eval mode, weights loaded.
        frames (Sequence[np.ndarray] or FrameSource): BGR (H, W, 3) frames.
        task (str): one of :data:`TASKS`.
        init_boxes (np.ndarray or None): (K, 4) ``x, y, w, h`` on frame 0; SOT only, required.
        video_id (int): passed to VID models with memory.

    Yields:
        Instances: on the CPU, in the frame's coordinates.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    if (init_boxes is not None) != (task == "sot"):
        need = "needs" if task == "sot" else "takes no"
        raise ValueError(f"a {task} model {need} init boxes (x,y,w,h of its targets on frame 0)")
    if task == "vid":
        for _, _, instances in VideoPredictor.from_config(cfg, model)(frames, video_id=video_id):
            yield instances
    elif task == "sot":
        for _, _, instances in track_single_targets(model, frames, init_boxes):
            yield instances
    else:
        mapper = cfg.dataloader.test.mapper
        augmentations = instantiate(mapper.augmentations)
        image_format = mapper.get("image_format", "BGR")
        stream = track_stream(
            iter(frames), model, augmentations=augmentations, image_format=image_format
        )
        for _, instances in stream:
            yield instances
