"""Tracking by detection: any Detectron2 R-CNN detector, an optional ReID model and a tracker.

The model of d2track's MOT projects (SORT, DeepSORT, Tracktor, ByteTrack), as MMTracking 0.x's
``DeepSORT``/``Tracktor``/``ByteTrack`` MOT models: training trains the detector (the ReID model
trains on its own, ``configs/reid``); testing takes one frame at a time in video order, detects,
embeds the detections if the tracker uses appearance, and hands them to the tracker::

    model = L(TrackingByDetection)(
        detector=<a GeneralizedRCNN config>,
        tracker=L(ByteTracker)(...),
        detector_weights="output/mot_detector/model_final.pth",
    )

``detector_weights`` must be given: a checkpoint of the detector, loaded strictly, or ``None``
(``model.detector_weights=null`` as an override) for random weights on purpose. Left "", the
weights must come from a whole tracking model loaded later (``train.init_checkpoint`` with
``--eval-only``, ``--weights`` of the demos) or from training, else inference raises
:class:`~d2track.checkpoint.MissingWeightsError`. The same holds for ``reid_weights`` when there
is a ReID model.

The tracker is reset whenever a frame starts a new video (another ``video_id`` or
``frame_id == 0``). With ``public_detections`` the detector's RPN is replaced by the split's
public detections, refined by its box head (MOTChallenge's public protocol, as MMTracking's
``public_bboxes``). Inference returns ``[{"instances": Instances}]`` per frame with ``ID``, in
original image coordinates, as :class:`~d2track.evaluation.MOTEvaluator` expects.

A ``video_postprocessor`` is an offline step over a whole video's tracks (e.g.
:class:`~d2track.tracking.InterpolateTracks`, MMTracking's ``interpolate_tracks_cfg``). Frames
still come out one at a time; :meth:`TrackingByDetection.postprocess_video` applies it to a
finished video, and :func:`d2track.engine.inference_on_dataset` (``--eval-only``, evaluation
during training, the parameter search) calls it at each video's end before the evaluator sees the
frames, so the scores and the written result files have the same tracks. Live demos draw the
frames as they are tracked, without it.
"""

import os

import cv2
import numpy as np
import torch
from torch import nn

from ...checkpoint.loading import CheckpointMismatchError, MissingWeightsError, load_weights
from ...data.video_dataset import starts_new_video
from ..frame_detector import FrameDetector

__all__ = ["TrackingByDetection"]

_NEW_VIDEO = object()  # no frame seen since the last reset


class TrackingByDetection(nn.Module):
    """A detector, an optional ReID model and a tracker, run frame by frame."""

    #: True for subclasses that embed detections with their own network (no ReID model needed).
    embeds_detections = False

    def __init__(
        self,
        *,
        detector,
        tracker,
        reid=None,
        public_detections=None,
        video_postprocessor=None,
        detector_weights="",
        reid_weights="",
        allow_partial_weights=False,
    ):
        """
        Args:
            detector (GeneralizedRCNN): a Detectron2 R-CNN with ``StandardROIHeads``.
            tracker (BaseTracker): a d2track tracker (``reset``/``update``).
            reid (nn.Module or None): a ReID model with ``embed_boxes(image (3, H, W), boxes
                (M, 4)) -> (M, D)``; needed by appearance trackers (DeepSORT, Tracktor's re-id).
            public_detections (callable or None): ``(video_name, frame_id) -> (boxes (N, 4),
                scores (N,))`` in original coordinates, e.g. :class:`PublicDetections`.
            video_postprocessor (callable or None): ``(frames: list[Instances], frame_ids:
                list[int]) -> list[Instances]``, applied to each whole video by
                :meth:`postprocess_video`, e.g. :class:`~d2track.tracking.InterpolateTracks`.
            detector_weights (str or None): a checkpoint of the detector alone, loaded now;
                every detector weight must be in it with its shape. "": not given here, the
                weights must come from a whole-model checkpoint loaded later or from training
                before inference (a whole-model checkpoint also overrides a given file). None:
                random weights on purpose.
            reid_weights (str or None): the same for the ReID model (only "" or None without).
            allow_partial_weights (bool): load ``detector_weights`` / ``reid_weights`` that lack
                some weights (or have other shapes) with Detectron2's warnings.
        """
        super().__init__()
        self.detector = detector
        self.reid = reid
        self.tracker = tracker
        self.public_detections = public_detections
        self.video_postprocessor = video_postprocessor
        if getattr(tracker, "needs_embeds", False) and reid is None and not self.embeds_detections:
            raise ValueError(f"{type(tracker).__name__} matches appearance: it needs a reid model")
        self._without_weights = set()  # parts that still need weights before inference
        self._init_weights("detector", detector_weights, allow_partial_weights)
        self._init_weights("reid", reid_weights, allow_partial_weights)
        self.register_load_state_dict_pre_hook(_note_loaded_parts)
        self._video = _NEW_VIDEO

    @property
    def device(self):
        return self.detector.device

    def forward(self, batched_inputs):
        """Training: the detector's loss dict. Testing: one tracked ``Instances`` per frame."""
        if self.training:
            self._without_weights.discard("detector")  # training gives the detector weights
            return self.detector(batched_inputs)
        return [self.track_frame(frame) for frame in batched_inputs]

    @torch.no_grad()
    def track_frame(self, frame):
        """Detect and track one frame (frames of a video must come in order).

        Args:
            frame (dict): Detectron2 test input: ``image`` (C, H, W) after test transforms,
                ``height``/``width``, and ``video_id``/``frame_id`` (absent: one stream).

        Returns:
            dict: ``{"instances": Instances}`` with ``pred_boxes``, ``scores``, ``pred_classes``
            and ``ID`` in original coordinates.
        """
        self._maybe_reset(frame)
        detections, context = self.detect(frame)
        return {"instances": self.tracker.update(detections, **context)}

    @torch.no_grad()
    def detect(self, frame):
        """The tracker's inputs for one frame: detections (with ``embeds`` for appearance
        trackers) and the frame context (``frame_id``, ``video``: the video's name or id when
        the frame has one, ``image``, ``box_regressor``, ``embedder``; see
        :mod:`d2track.tracking.base`)."""
        self.check_weights()
        frame_det = FrameDetector(self.detector, frame)
        detections = frame_det.detect(*self._public(frame))
        context = {"box_regressor": frame_det.regress}
        if getattr(self.tracker, "needs_image", False):
            context["image"] = _original_bgr(frame, frame_det)
        self.embed_detections(frame, frame_det, detections, context)
        if "frame_id" in frame:
            context["frame_id"] = frame["frame_id"]
        video = frame.get("video_name", frame.get("video_id"))
        if video is not None:
            context["video"] = video
        return detections, context

    def embed_detections(self, frame, frame_det, detections, context):
        """Give the tracker appearance: with a ReID model, ``context["embedder"]`` and, for
        trackers that need them, ``detections.embeds`` (N, D). Subclasses whose network embeds
        detections itself (MaskTrack R-CNN's track head) override this and set
        :attr:`embeds_detections`.

        Args:
            frame (dict): the test input; frame_det (FrameDetector): its detector run;
            detections (Instances): modified in place; context (dict): the tracker's extras.
        """
        if self.reid is None:
            return
        image = frame["image"].to(self.device)
        if getattr(self.reid, "input_format", self.detector.input_format) != (
            self.detector.input_format
        ):
            image = image.flip(0)  # RGB <-> BGR: the ReID model's channel order
        context["embedder"] = lambda boxes: self.reid.embed_boxes(image, boxes * frame_det.scale)
        if getattr(self.tracker, "needs_embeds", False):
            detections.embeds = context["embedder"](detections.pred_boxes.tensor)

    def postprocess_video(self, frames, outputs):
        """Apply ``video_postprocessor`` to one finished video (the outputs as they are without).

        Args:
            frames (list[dict]): the video's inputs in order (``frame_id`` read when present).
            outputs (list[dict]): :meth:`forward`'s ``{"instances": Instances}`` for them.

        Returns:
            list[dict]: the outputs with the post-processed ``Instances``.
        """
        if self.video_postprocessor is None:
            return outputs
        frame_ids = [frame.get("frame_id", k) for k, frame in enumerate(frames)]
        instances = self.video_postprocessor([o["instances"] for o in outputs], frame_ids)
        return [{**o, "instances": i} for o, i in zip(outputs, instances)]

    def check_weights(self):
        """Raise :class:`~d2track.checkpoint.MissingWeightsError` if the detector or the ReID
        model got no weights (none given, none loaded, not trained) and was not declared random
        (``detector_weights=None`` / ``reid_weights=None``)."""
        for part in sorted(self._without_weights):
            name = "the detector" if part == "detector" else "the ReID model"
            raise MissingWeightsError(
                f"TrackingByDetection: {name} has no weights. Set model.{part}_weights=PATH (a "
                f"checkpoint of {name}), load a whole tracking model (train.init_checkpoint=PATH "
                f"with --eval-only, --weights in the demos), or set model.{part}_weights=null "
                "(None in a Python config) to run random weights on purpose."
            )

    def reset(self):
        """Start a new video at the next frame (for streams without ``video_id``)."""
        self._video = _NEW_VIDEO

    def _maybe_reset(self, frame):
        if starts_new_video(frame, self._video):
            self.tracker.reset()
        self._video = frame.get("video_id")

    def _public(self, frame):
        if self.public_detections is None:
            return None, None
        name = frame.get("video_name", frame.get("video_id"))
        boxes, scores = self.public_detections(name, frame["frame_id"])
        return boxes.to(self.device), scores.to(self.device)

    def _init_weights(self, part, path, allow_partial):
        module, field = getattr(self, part), f"{part}_weights"
        if path is None or (module is None and path == ""):
            return
        if module is None:
            raise ValueError(f"TrackingByDetection: {field}={path!r} given but {part} is None")
        if path == "":
            self._without_weights.add(part)
            return
        if path == "None":
            raise ValueError(
                f"TrackingByDetection: {field}='None' is a string: write model.{field}=null on "
                "the command line (None in a Python config) for random weights"
            )
        if "://" not in path and not os.path.isfile(path):
            raise FileNotFoundError(f"TrackingByDetection: {field}={path!r} does not exist")
        hint = "set model.allow_partial_weights=True to load it anyway"
        try:
            load_weights(module, path, allow_partial=allow_partial, hint=hint)
        except CheckpointMismatchError as e:
            raise CheckpointMismatchError(f"TrackingByDetection: model.{field}: {e}") from e


def _note_loaded_parts(module, state_dict, prefix, *args):
    """A whole-model checkpoint with keys of a part (``detector.*``, ``reid.*``) gives it weights
    (whether all of them fit is for the loader to check: :func:`~d2track.checkpoint.load_weights`).
    """
    for part in list(module._without_weights):
        if any(key.startswith(f"{prefix}{part}.") for key in state_dict):
            module._without_weights.discard(part)


def _original_bgr(frame, frame_det):
    """The frame as BGR (H, W, 3) uint8 at its original size (what camera motion compensation
    reads), from the network input in the detector's channel order."""
    image = frame["image"].permute(1, 2, 0).cpu().numpy().astype(np.uint8)
    if image.shape[:2] != (frame_det.height, frame_det.width):
        image = cv2.resize(image, (int(frame_det.width), int(frame_det.height)))
    if frame_det.detector.input_format == "RGB":
        image = np.ascontiguousarray(image[:, :, ::-1])
    return image
