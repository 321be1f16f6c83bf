"""Draw every evaluated frame: ``tools/lazyconfig_train_net.py --eval-only --show-dir DIR``.

MMTracking's ``--show-dir``. :class:`ShowResults` is a ``DatasetEvaluator`` that draws each frame it
processes into ``DIR/<video name>/<frame file name>.jpg``; :func:`add_show_evaluator` puts it next
to a config's evaluator, so that it draws exactly what is scored (after the model's video
post-processor, e.g. track interpolation). Outputs are drawn as the demos draw them:

* detections (VID, ``Instances`` without ``ID``): boxes, class names and scores;
* tracks (MOT, VIS; with ``ID``): boxes, and masks when there are ``pred_masks``, one colour per ID;
* single object tracks (with ``visible``): each target in its ID's colour, dashed and "lost" where
  the tracker reports it not visible; the ground-truth region (the input's ``gt_region``) dotted
  white; frames the VOT protocol did not track (``vot_code``) say "init", "failure" or "skipped".

Each process draws the videos it runs (whole videos per rank); every image is written atomically.
"""

import logging
import os

import cv2
import numpy as np
from detectron2.config import LazyCall as L
from detectron2.data import detection_utils as utils
from detectron2.data.catalog import Metadata
from detectron2.evaluation import DatasetEvaluator, DatasetEvaluators
from detectron2.utils.visualizer import Visualizer
from omegaconf import OmegaConf

from d2track.utils.file_io import atomic_open
from d2track.utils.visualizer import draw_tracks, id_color

from .defaults import with_output_dir
from .video_predictor import find_thing_classes

__all__ = [
    "ShowResults",
    "add_show_evaluator",
    "draw_detections",
    "draw_output",
    "draw_single_targets",
    "draw_tracked",
]

logger = logging.getLogger(__name__)

VOT_CODE_NAMES = {0: "skipped", 1: "init", 2: "failure"}  # d2track.engine.vot_protocol's codes


def draw_detections(image, instances, *, score_thr=0.0, thing_classes=None):
    """Detections scoring at least ``score_thr``, with class names and scores.

    Args:
        image (np.ndarray): (H, W, 3) RGB uint8.
        instances (Instances): ``pred_boxes``, ``scores``, ``pred_classes`` (on the CPU).
        thing_classes (list[str] or None): class names; None: class indices.

    Returns:
        np.ndarray: (H, W, 3) RGB uint8.
    """
    metadata = Metadata(thing_classes=list(thing_classes)) if thing_classes else Metadata()
    instances = instances[instances.scores >= score_thr]
    return Visualizer(image, metadata).draw_instance_predictions(instances).get_image()


def draw_tracked(image, instances, *, score_thr=0.0):
    """Tracks scoring at least ``score_thr`` (and their ``pred_masks``), coloured by ``ID``.

    Args:
        image (np.ndarray): (H, W, 3) RGB uint8.
        instances (Instances): ``pred_boxes``, ``ID``, optional ``scores`` and (N, H, W)
            ``pred_masks`` (on the CPU).

    Returns:
        np.ndarray: (H, W, 3) RGB uint8.
    """
    if instances.has("scores"):
        instances = instances[instances.scores >= score_thr]
    masks = instances.pred_masks.numpy() > 0.5 if instances.has("pred_masks") else None
    return draw_tracks(
        image,
        boxes=instances.pred_boxes.tensor.numpy(),
        instance_ids=instances.ID.tolist(),
        masks=masks,
    )


def draw_single_targets(image, instances, *, gt_region=None):
    """A single object tracker's targets: ID-coloured, dashed and "lost" when not ``visible``.

    Args:
        image (np.ndarray): (H, W, 3) RGB uint8.
        instances (Instances): ``pred_boxes``, ``scores``, ``ID`` and optional ``visible``.
        gt_region (array or None): (4,) ``(x, y, w, h)`` or (8,) polygon ground truth, drawn
            dotted white; None or zeros (target absent): not drawn.

    Returns:
        np.ndarray: (H, W, 3) RGB uint8.
    """
    ids, scores = instances.ID.tolist(), instances.scores.tolist()
    seen = np.ones(len(ids), dtype=bool)
    if instances.has("visible"):
        seen = instances.visible.numpy().astype(bool)
    image = draw_tracks(
        _draw_gt_region(image, gt_region),
        boxes=instances.pred_boxes.tensor.numpy()[seen],
        instance_ids=[i for i, v in zip(ids, seen) if v],
        labels=[f"#{i} {s:.2f}" for i, s, v in zip(ids, scores, seen) if v],
    )
    if seen.all():
        return image
    vis = Visualizer(image)
    for box, i in zip(instances.pred_boxes.tensor.numpy()[~seen], np.asarray(ids)[~seen]):
        vis.draw_box(box, edge_color=id_color(i), line_style="--")
        vis.draw_text(f"#{i} lost", box[:2], color=id_color(i), horizontal_alignment="left")
    return vis.output.get_image()


def _draw_gt_region(image, region):
    region = np.zeros(0) if region is None else np.asarray(region, dtype=np.float64).reshape(-1)
    if not np.any(region):
        return image
    vis = Visualizer(image)
    if len(region) == 8:
        vis.draw_polygon(region.reshape(4, 2), color="white", alpha=0.0)
    else:
        x, y, w, h = region
        vis.draw_box((x, y, x + w, y + h), edge_color="white", line_style=":")
    return vis.output.get_image()


def draw_output(image, frame, output, *, score_thr=0.0, thing_classes=None):
    """One frame's model output drawn as the module docstring says.

    Args:
        image (np.ndarray): (H, W, 3) RGB uint8, the frame at its original size.
        frame (dict): the model's input (``gt_region`` is drawn for single object tracks).
        output (dict): ``{"instances": Instances}`` or ``{"vot_code": int}``.

    Returns:
        np.ndarray: (H, W, 3) RGB uint8.
    """
    if "vot_code" in output:
        vis = Visualizer(_draw_gt_region(image, frame.get("gt_region")))
        text = f"VOT {VOT_CODE_NAMES.get(int(output['vot_code']), output['vot_code'])}"
        vis.draw_text(text, (4, 4), color="white", horizontal_alignment="left")
        return vis.output.get_image()
    instances = output["instances"].to("cpu")
    if instances.has("visible"):
        return draw_single_targets(image, instances, gt_region=frame.get("gt_region"))
    if instances.has("ID"):
        return draw_tracked(image, instances, score_thr=score_thr)
    return draw_detections(image, instances, score_thr=score_thr, thing_classes=thing_classes)


def _safe_name(name):
    """A video name as one folder name (names such as TrackingNet's may hold a ``/``)."""
    name = str(name).replace("/", "_").replace("\\", "_")
    return "_" + name if name in ("", ".", "..") else name


class ShowResults(DatasetEvaluator):
    """Draws every processed frame into ``output_dir/<video name>/<frame file name>.jpg``.

    The video folder is the frame's ``video_name`` (``/`` becomes ``_``; ``video_<video_id>``
    without one), the file is the stem of its ``file_name``, which is read for the frame at its
    original size (the model input's ``image`` may be resized). It scores nothing:
    :meth:`evaluate` returns None.
    """

    def __init__(self, *, output_dir, score_thr=0.3, thing_classes=None):
        """
        Args:
            output_dir (str): the folder of the drawn frames.
            score_thr (float): detections and tracks with a lower score are not drawn
                (single object tracks always are).
            thing_classes (list[str] or None): class names of the detections.
        """
        self.output_dir = output_dir
        self.score_thr = score_thr
        self.thing_classes = list(thing_classes) if thing_classes else None
        self._count = 0

    def reset(self):
        self._count = 0

    def frame_path(self, frame):
        """The image path of a frame (a model input dict)."""
        if "file_name" not in frame:
            raise KeyError(
                "ShowResults draws on each frame's 'file_name', but a model input has none "
                f"(keys: {sorted(frame)})"
            )
        video = frame.get("video_name", f"video_{frame.get('video_id')}")
        stem = os.path.splitext(os.path.basename(frame["file_name"]))[0]
        return os.path.join(self.output_dir, _safe_name(video), f"{stem}.jpg")

    def process(self, inputs, outputs):
        for frame, output in zip(inputs, outputs):
            path = self.frame_path(frame)
            image = utils.read_image(frame["file_name"], format="RGB")
            drawn = draw_output(
                image, frame, output, score_thr=self.score_thr, thing_classes=self.thing_classes
            )
            _write_jpg(path, np.ascontiguousarray(drawn[:, :, ::-1]))
            self._count += 1

    def evaluate(self):
        logger.info(f"drew {self._count} frames into {self.output_dir} (this process)")
        return None


def _write_jpg(path, image_bgr):
    ok, encoded = cv2.imencode(".jpg", image_bgr)
    if not ok:
        raise RuntimeError(f"OpenCV cannot encode {path} as jpg")
    with atomic_open(path, "wb") as f:  # never a half-written jpg under the final name
        f.write(encoded.tobytes())


def add_show_evaluator(cfg, show_dir, *, score_thr=0.3):
    """Make ``cfg.dataloader.evaluator`` also draw every frame it scores into ``show_dir``.

    The config's evaluator (if any) and a :class:`ShowResults` become one ``DatasetEvaluators``;
    the evaluator keeps the ``output_dir`` that :func:`~d2track.engine.do_test` would give it,
    and its relative interpolations (``${..test.dataset_dicts.names}``) are resolved where they
    were written, before it moves one level down.
    """
    classes = find_thing_classes(cfg.dataloader.test)
    show = L(ShowResults)(output_dir=show_dir, score_thr=score_thr, thing_classes=classes)
    evaluators = [show]
    if cfg.dataloader.get("evaluator") is not None:
        scoring = with_output_dir(cfg.dataloader.evaluator, cfg.train.output_dir)
        evaluators.insert(0, OmegaConf.to_container(scoring, resolve=True))
    cfg.dataloader.evaluator = L(DatasetEvaluators)(evaluators=evaluators)
    return cfg
