"""What the d2track TorchServe handler does with a video, without TorchServe: load a packaged
model, run it over every frame of a video with d2track's own inference paths, and turn the
per-frame ``Instances`` into the JSON response.

Used by the handler (``tools/deploy/d2track_handler.py``, in the TorchServe worker), by the
packager (``tools/deploy/d2track2torchserve.py``: the task of a model) and by
``tools/deploy/test_torchserve.py`` (the local run it compares the server with), so a served
and a local result come from the same code.

Each task runs a video the way its demo does:

* ``vid`` (DFF, FGFA, SELSA, Temporal RoI Align, single-frame detectors):
  :class:`~d2track.engine.video_predictor.VideoPredictor` (the model's test reference sampler);
* ``mot`` and ``vis`` (tracking-by-detection models, MaskTrack R-CNN):
  :func:`~d2track.engine.track_stream.track_stream` (online, the tracker reset per video);
* ``sot`` (SiamRPN++): all targets initialised on the first frame, then tracked
  (:func:`d2track.engine.video_tasks.run_video` runs every task).

Response (one JSON object per video): ``{"task", "num_frames", "height", "width", "classes"
(thing class names or null), "frames": [...]}`` with, per frame, ``boxes`` (N, 4) ``XYXY_ABS``
pixels of the original frame, ``scores`` (N,), and by task ``labels`` (N,) contiguous class ids
(vid, mot, vis), ``track_ids`` (N,) (mot, vis; sot: the target's index in the request),
``visible`` (K,) bools (sot), ``masks`` N COCO RLEs ``{"size": [H, W], "counts": str}`` (vis).
"""

import d2track  # noqa: F401  (first: installs the Detectron2 compat layer)

# isort: split
import json
import os

import numpy as np
from detectron2.config import LazyConfig, instantiate

from d2track.checkpoint import load_weights
from d2track.engine.video_predictor import find_thing_classes
from d2track.engine.video_tasks import TASKS, model_task, run_video
from d2track.evaluation.vis.format import mask_to_rle
from d2track.utils.box_args import valid_xywh_box

__all__ = [
    "MODEL_INFO",
    "TASKS",
    "VideoModel",
    "detect_task",
    "parse_init_boxes",
    "video_result",
]

#: The archive's description of its model: ``{"task", "config", "weights"}`` (file names).
MODEL_INFO = "d2track_model.json"
_WHOLE_MODEL = "give a checkpoint of the config's whole model (every weight, as trained)"


def detect_task(model):
    """``"sot"``, ``"mot"``, ``"vis"`` or ``"vid"``: which task ``model`` (an instantiated
    d2track model) performs; ``ValueError`` for a model of none of them."""
    task = model_task(model)
    if task is None:
        raise ValueError(
            f"{type(model).__name__} is not a d2track video model: expected a video detector "
            "(GeneralizedRCNN/VideoRCNN), a TrackingByDetection model or a SOT model with a "
            "tracker"
        )
    return task


def parse_init_boxes(value):
    """The SOT targets of a request -> (K, 4) float64 ``x, y, w, h``.

    Args:
        value (str, bytes or list): ``"x,y,w,h"``, several joined by ``;``, or a JSON-decoded
            list of 4 numbers or of such lists.

    Raises:
        ValueError: naming the expected format.
    """
    rows = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value
    if isinstance(rows, str):
        rows = [part.split(",") for part in rows.split(";") if part.strip()]
    try:
        boxes = np.array(rows if rows and np.ndim(rows[0]) else [rows], dtype=np.float64)
    except (TypeError, ValueError):
        boxes = np.zeros((0, 0))
    if boxes.ndim != 2 or not all(valid_xywh_box(box) for box in boxes) or not len(boxes):
        raise ValueError(
            f"bad init_box {value!r}: expected x,y,w,h (pixels, w and h > 0) on the first frame, "
            "several targets separated by ';'"
        )
    return boxes


class VideoModel:
    """A d2track model of one task that turns a video into one ``Instances`` per frame."""

    def __init__(self, cfg, model, *, task=None):
        """
        Args:
            cfg (DictConfig): the model's LazyConfig (its ``dataloader.test.mapper`` gives the
                test augmentations and image format).
            model (nn.Module): instantiated, weights loaded, in eval mode.
            task (str or None): one of :data:`TASKS`; None: :func:`detect_task`.
        """
        self.cfg, self.model = cfg, model
        self.task = task or detect_task(model)
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {self.task!r}")
        test = cfg.get("dataloader", {}).get("test")
        self.classes = find_thing_classes(test) if test is not None and self.task != "sot" else None

    @classmethod
    def load(cls, cfg, weights, *, task=None, device="cpu"):
        """Instantiate ``cfg.model`` on ``device`` with every weight from ``weights`` (checked:
        a checkpoint of another model is an error); ``weights=None``: a tracking model's
        weights from its config's ``detector_weights``/``reid_weights`` files (checked too)."""
        if isinstance(cfg, str):
            cfg = LazyConfig.load(cfg)
        model = instantiate(cfg.model).to(device).eval()
        if weights is not None:
            load_weights(model, str(weights), hint=_WHOLE_MODEL)  # no --allow-partial
        if callable(getattr(model, "check_weights", None)):
            model.check_weights()
        return cls(cfg, model, task=task)

    @classmethod
    def from_model_dir(cls, model_dir, *, device="cpu"):
        """The model of an unpacked archive: :data:`MODEL_INFO` names its config and weights."""
        with open(os.path.join(model_dir, MODEL_INFO), encoding="utf-8") as f:
            info = json.load(f)
        config, weights = (os.path.join(model_dir, info[k]) for k in ("config", "weights"))
        return cls.load(config, weights, task=info["task"], device=device)

    def __call__(self, frames, init_boxes=None):
        """One ``Instances`` per frame of ``frames`` (a ``FrameSource`` of BGR (H, W, 3)).

        Args:
            init_boxes (ndarray or None): (K, 4) ``x, y, w, h`` on frame 0; SOT only, required.
        """
        return list(run_video(self.cfg, self.model, frames, task=self.task, init_boxes=init_boxes))


def frame_result(task, instances):
    """The JSON dict of one frame's ``Instances`` (see the module docstring)."""
    result = {
        "boxes": instances.pred_boxes.tensor.tolist(),
        "scores": instances.scores.tolist(),
    }
    if task != "sot":
        result["labels"] = instances.pred_classes.tolist()
    if task != "vid":
        result["track_ids"] = instances.ID.tolist()
    if task == "sot":
        result["visible"] = instances.visible.tolist()
    if task == "vis":
        result["masks"] = [mask_to_rle(mask) for mask in instances.pred_masks]
    return result


def video_result(video_model, frames_instances):
    """The JSON response of a video: ``VideoModel`` and its per-frame ``Instances``."""
    height, width = frames_instances[0].image_size if frames_instances else (0, 0)
    return {
        "task": video_model.task,
        "num_frames": len(frames_instances),
        "height": int(height),
        "width": int(width),
        "classes": list(video_model.classes) if video_model.classes else None,
        "frames": [frame_result(video_model.task, inst) for inst in frames_instances],
    }
